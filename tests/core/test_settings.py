"""Production refuses unsafe settings, and `check --deploy` is clean with production settings."""

from __future__ import annotations

import os
import subprocess
import sys

PROD = {"MANPOWER_ENV": "production", "SECRET_KEY": "x7#Pq2!vLm9$Rt4&Wz8^Kb3*Nf6(Hd1)Gs5-Jc0_Ye2+Ua7=Ti4",
        "ALLOWED_HOSTS": "manpower.example.om", "DATABASE_URL": "sqlite:////tmp/manpower-prod-check.sqlite3"}


def manpower(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "MANPOWER_ENV", "DATABASE_URL"}}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "manpower.cli", *args], env=full_env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = manpower("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret():
    env = {**PROD, "SECRET_KEY": ""}
    result = manpower("check", **env)
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_debug():
    result = manpower("check", **{**PROD, "DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG must be off in production" in result.stderr
