"""The client directory: find or add the visiting clients a request names (policy 2.1.1: kept for reuse)."""

from django.utils.translation import gettext as _

from jiedai.core.errors import ValidationFailed
from jiedai.receptions.models import ClientContact, ClientOrganization

LIMITS = {"name": 64, "organization": 200, "title": 64, "phone": 32, "email": 254}


def _clean_item(index: int, item: dict, errors: dict) -> dict:
    cleaned = {}
    for key, limit in LIMITS.items():
        value = item.get(key) or ""
        if not isinstance(value, str):
            errors.setdefault(f"clients.{index}.{key}", []).append(_("格式不正确。"))
            continue
        value = value.strip()
        if len(value) > limit:
            errors.setdefault(f"clients.{index}.{key}", []).append(
                _("内容过长（最多 %(max)s 个字符）。") % {"max": limit}
            )
        if "\x00" in value:
            errors.setdefault(f"clients.{index}.{key}", []).append(_("包含不允许的字符。"))
        cleaned[key] = value
    if "id" not in item:
        for key, message in (("name", _("请填写客户姓名。")), ("organization", _("请填写客户单位。"))):
            if not cleaned.get(key):
                errors.setdefault(f"clients.{index}.{key}", []).append(message)
    return cleaned


def contacts_resolve(items) -> list[ClientContact]:
    """Each item is a ClientContact, {"id": n} of an existing contact, or the client's details; a new client is
    added to the directory (matched by organisation + name), and blank details of a known one are filled in."""
    errors: dict[str, list[str]] = {}
    contacts: list[ClientContact] = []
    for index, item in enumerate(items or []):
        if isinstance(item, ClientContact):
            contacts.append(item)
            continue
        if not isinstance(item, dict):
            errors.setdefault(f"clients.{index}", []).append(_("格式不正确。"))
            continue
        if item.get("id"):
            contact = ClientContact.objects.filter(pk=item["id"]).first() if str(item["id"]).isdigit() else None
            if contact is None:
                errors.setdefault(f"clients.{index}.id", []).append(_("客户不存在。"))
            else:
                contacts.append(contact)
            continue
        cleaned = _clean_item(index, item, errors)
        if errors:
            continue
        organization, _created = ClientOrganization.objects.get_or_create(name=cleaned["organization"])
        contact = ClientContact.objects.filter(organization=organization, name=cleaned["name"]).first()
        if contact is None:
            contact = ClientContact.objects.create(
                organization=organization,
                name=cleaned["name"],
                title=cleaned["title"],
                phone=cleaned["phone"],
                email=cleaned["email"],
            )
        else:
            changed = [k for k in ("title", "phone", "email") if cleaned[k] and getattr(contact, k) != cleaned[k]]
            for key in changed:
                setattr(contact, key, cleaned[key])
            if changed:
                contact.save(update_fields=changed)
        contacts.append(contact)
    if errors:
        raise ValidationFailed(_("请检查来访客户信息。"), errors=errors)
    return list({c.pk: c for c in contacts}.values())
