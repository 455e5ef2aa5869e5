"""Values that must be refused, derived from an option's spec (Ansible's argument-spec form, as modules and roles'
meta/argument_specs.yml write it): shared by the modules' matrix (tests/unit) and the roles' (tests/integration)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Text options whose value has a form to break, by the option's name (a suboption by its dotted path).
DURATION = "5x"
SEMANTIC: dict[str, Any] = {
    "min_interval": DURATION,
    "rpo": DURATION,
    "rto": DURATION,
    "scratch_ttl": DURATION,
    "wait_timeout": DURATION,
    "max_age": DURATION,
    "rotate_after": DURATION,
    "deactivate_after": DURATION,
    "delete_after": DURATION,
    "report_unused_after": DURATION,
    "keep_within": DURATION,
    "keep_within_hourly": DURATION,
    "keep_within_daily": DURATION,
    "keep_within_weekly": DURATION,
    "keep_within_monthly": DURATION,
    "keep_within_yearly": DURATION,
    "gates.bake_time": DURATION,
    "gates.http.timeout": DURATION,
    "backups.rpo": DURATION,
    "since": "last tuesday",
    "until": "next week",
    "timezone": "Mars/Olympus_Mons",
    "label": "nightly backup!",
    "ledger": "s3://",
    "store.secret_name": "no-user-placeholder",
    "gates.http.url": "ftp://127.0.0.1/health",
    "gates.http.body_regex": "(unclosed",
    "checks.sha256": "not-a-digest",
}

# The PostgreSQL connection (``postgres``, and ``backups.postgres`` of health_check), by its key.
POSTGRES = {
    "host": "bad host!",
    "user": "two words",
    "maintenance_db": "two words",
    "dump_dir": "relative/dumps",
    "dump_bucket": "Not_A_Bucket",
    "dump_prefix": "/leading/slash",
    "bin_dir": "relative/bin",
}


def semantic(path: str) -> Any:
    if "postgres." in path:
        return POSTGRES.get(path.rsplit("postgres.", 1)[1])
    return SEMANTIC.get(path)


# Where -1 means something (unlimited), the first value out of range is below it.
OUT_OF_RANGE = {f"keep_{period}": -2 for period in ("last", "hourly", "daily", "weekly", "monthly", "yearly")}


def bad_values(path: str, spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(what is wrong, the value) for one option, from its spec."""
    kind = spec.get("type", "str")
    if spec.get("choices"):
        yield "unknown choice", "bogus" if kind == "str" else 99999
    if kind == "int":
        yield "wrong type", "many"
        if not spec.get("choices"):
            yield "out of range", OUT_OF_RANGE.get(path.rsplit(".", 1)[-1], -1)
    elif kind == "float":
        yield "wrong type", "lots"
        yield "out of range", -1.5
    elif kind == "bool":
        yield "wrong type", "perhaps"
    elif kind == "dict":
        yield "wrong type", "not-a-dict"
    elif kind == "list":
        yield "wrong type", {"not": "a list"}
    elif kind in ("str", "path") and not spec.get("choices") and semantic(path) is not None:
        yield "unparsable", semantic(path)
