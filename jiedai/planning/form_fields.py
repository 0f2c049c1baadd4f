"""Field builders the plan's forms share. The forms parse types only: every field is optional there, and the
services decide what is required (their errors come back onto the fields)."""

from django import forms


def optional_text(label, *, max_length: int, rows: int, placeholder=None, **kwargs) -> forms.CharField:
    """An optional multi-line text of at most `max_length` characters, `rows` lines high."""
    attrs = {"rows": rows}
    if placeholder is not None:
        attrs["placeholder"] = placeholder
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs=attrs), **kwargs
    )
