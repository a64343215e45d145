"""The local stack (`make run`): template.yaml run as Lambda, API Gateway, SQS, SNS and DynamoDB would run it."""
