"""The REST API (Django Ninja): routers by domain, mounted in ``main``."""

# A list's page number beyond this is refused (422) before it reaches the database as an offset.
MAX_PAGE = 100_000
