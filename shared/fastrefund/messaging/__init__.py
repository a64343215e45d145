"""Messages that leave the service: merchant notices published to SNS."""
