"""Bootstrap 5 styling for Django forms, so templates can render `{{ field }}` as is."""

from django import forms


class BootstrapFormMixin:
    """Give widgets Bootstrap's classes, and mark a field `is-invalid` whenever it gets an error (including the
    errors a service's ValidationFailed puts on it after validation)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if "btn-check" in widget.attrs.get("class", ""):
                continue  # a toggle-button radio: styled by its label
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
