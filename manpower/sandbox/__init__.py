"""Simulators of the systems outside the platform (payment gateway, SMS gateway, authorities, time-stamping),
served as one real HTTP server of their own (``manpower sandbox``), so that the platform talks to them
over HTTP exactly as it will talk to the real ones."""
