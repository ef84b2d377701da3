"""Demo data of the notifications app: the demo accounts' contact details, taken as verified."""

from __future__ import annotations

from manpower.identity.models import User
from manpower.notifications.models import ContactPoint
from manpower.notifications.services import contact_mark_verified

# Mobile numbers of the demo accounts; their messages appear in the sandbox's message log (/sms/).
DEMO_PHONES = {
    "employer@demo.manpower.om": "+96892000001",
    "worker@demo.manpower.om": "+96891234567",
    "officer@demo.manpower.om": "+96892000003",
}


def load_demo_contacts() -> int:
    created = 0
    for user in User.objects.filter(email__endswith="@demo.manpower.om"):
        for channel, address in (("email", user.email), ("sms", user.phone or DEMO_PHONES.get(user.email, ""))):
            if not address or ContactPoint.objects.filter(user=user, channel=channel, verified_at__isnull=False).exists():
                continue
            contact_mark_verified(user=user, channel=channel, address=address, evidence="demo data")
            if channel == "sms" and not user.phone:
                User.objects.filter(pk=user.pk).update(phone=address)
            created += 1
    return created
