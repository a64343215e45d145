"""The cursors of the paged lists (a merchant's workbench, a buyer's requests, the requests passed to ops): opaque to
callers and integrity-protected. A cursor carries the list it was issued for (itsdangerous' salt: one list's cursor
never verifies for another), what the page depended on (the merchant and the filters, or the buyer), and the
position where the next page starts, signed with the service's cursor key. A cursor that does not verify, or was
issued for another list, merchant, buyer or filters, is refused (InvalidCursor), never followed."""

from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from fastrefund.domain.errors import InvalidCursor


class PageCursors:
    def __init__(self, key: bytes, list_name: str, scope: dict[str, Any]) -> None:
        """Cursors of the list `list_name` for the pages `scope` names (who they are for, and their filters)."""
        self._signer = URLSafeSerializer(key, salt=list_name)
        self._scope = scope

    def issue(self, position: str) -> str:
        return self._signer.dumps({"scope": self._scope, "position": position})

    def position(self, cursor: str) -> str:
        """Where the page `cursor` asks for starts, if this service issued it for this list and scope."""
        try:
            payload: dict[str, Any] = self._signer.loads(cursor)
        except BadSignature as exc:
            raise InvalidCursor("the cursor is not one this service handed out") from exc
        if payload.get("scope") != self._scope or not isinstance(payload.get("position"), str):
            raise InvalidCursor("the cursor was issued for another merchant, buyer or filters")
        position: str = payload["position"]
        return position
