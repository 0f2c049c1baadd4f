"""What the money API's documents share: money as decimal strings, and their approvals as the engine shows them."""

from jiedai.approvals.api_schema import ApprovalOut, approval_json

__all__ = ["ApprovalOut", "approval_json", "money_str"]


def money_str(value) -> str | None:
    return None if value is None else f"{value:.2f}"
