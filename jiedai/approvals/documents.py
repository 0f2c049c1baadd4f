"""How a document plugs into the engine. The engine knows documents only as (document_type, document_id);
each document app registers a handler in its AppConfig.ready(), and the engine calls it back inside the same
transaction when an instance ends, so the document's status and the instance's never disagree."""

from typing import Protocol


class DocumentHandler(Protocol):
    def on_approved(self, instance, *, by) -> None: ...

    def on_rejected(self, instance, *, by) -> None: ...

    def on_returned(self, instance, *, by) -> None: ...

    def on_withdrawn(self, instance, *, by) -> None: ...


class NullHandler:
    """For flows whose document has no app yet (and for the engine's own tests)."""

    def on_approved(self, instance, *, by):
        pass

    on_rejected = on_returned = on_withdrawn = on_approved


_HANDLERS: dict[str, DocumentHandler] = {}


def register_document(document_type: str, handler: DocumentHandler) -> None:
    _HANDLERS[document_type] = handler


def handler_for(document_type: str) -> DocumentHandler:
    return _HANDLERS.get(document_type, NullHandler())
