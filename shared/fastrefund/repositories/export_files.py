"""The statement exports' CSV files, in the stack's exports bucket (private, encrypted, expired by its lifecycle):
written by the background run, fetched by the merchant through a pre-signed URL that the API hands out."""

from fastrefund.domain.models.reports import EXPORT_URL_SECONDS
from fastrefund.platform import aws_clients


class ExportFilesRepository:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        aws_clients.client("s3").put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType="text/csv; charset=utf-8"
        )

    def url(self, key: str, filename: str) -> str:
        """A URL that fetches the file for EXPORT_URL_SECONDS, as an attachment named `filename`."""
        url: str = aws_clients.client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=EXPORT_URL_SECONDS,
        )
        return url
