"""Messages that leave the service: merchant notices and payout instructions, published to their SNS topics."""
