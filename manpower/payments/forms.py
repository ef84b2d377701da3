from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund (OMR)"), required=False, max_digits=12, decimal_places=3,
                                min_value=0, help_text=_("Leave empty to refund everything not yet refunded."))
    reason = forms.CharField(label=_("Reason (shown to the payer)"), widget=forms.Textarea(attrs={"rows": 3}))


class DelegationForm(forms.Form):
    cr_number = forms.ChoiceField(label=_("Establishment"))
    delegate_email = forms.EmailField(label=_("E-mail of the service office's account"),
                                      help_text=_("The account must already exist, e.g. the Sanad centre's account."))
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, establishments: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["cr_number"].choices = establishments  # type: ignore[attr-defined]
