# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This doc fragment is PRIVATE to steward.maintenance; it may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    # Options every fleet-wide action takes: which resources, how many at once, how hard to retry.
    DOCUMENTATION = r"""
options:
  targets:
    description:
      - The resources to act on. Each entry selects resources of one O(targets[].kind) by exactly one of
        O(targets[].names), O(targets[].arns) or O(targets[].tags).
      - A resource selected by two entries is acted on once, with the first entry's options.
      - A tag selector that matches nothing is not an error; RV(targets) says it matched nothing.
      - A name that does not exist is a failure of that resource only; the others are still handled.
    type: list
    elements: dict
    required: true
    suboptions:
      kind:
        description:
          - The resource kind.
          - V(dynamodb) tables, V(rds) DB instances (not Aurora members), V(aurora) DB clusters, V(ebs) volumes,
            V(s3) buckets, V(postgres) databases of a self-hosted PostgreSQL server (reached as O(postgres) says).
        type: str
        required: true
        choices: [aurora, dynamodb, ebs, postgres, rds, s3]
      names:
        description:
          - Resource names or ids (table name, DB instance or cluster identifier, volume id, bucket name, database name).
          - For V(postgres), V(*) stands for every database of the server that is not a template.
          - V(postgres) databases are selected by names only.
        type: list
        elements: str
      arns:
        description: Resource ARNs. Each must be an ARN of O(targets[].kind).
        type: list
        elements: str
      tags:
        description:
          - Select every resource of O(targets[].kind) that carries all of these tags, through the Resource Groups
            Tagging API.
          - A value may be a string, a list of accepted values, or null for "any value".
        type: dict
      exclude:
        description: Names, ids or ARNs to leave out of what O(targets[].names), O(targets[].arns) or O(targets[].tags) selected.
        type: list
        elements: str
        default: []
      options:
        description:
          - Kind-specific options; an option the kind does not know fails before any API call.
          - "V(s3): C(backup_bucket) (required) the bucket that receives the copies; C(prefix) (default C(steward))
            the key prefix there; C(storage_class) (default C(STANDARD); C(STANDARD_IA), C(ONEZONE_IA),
            C(INTELLIGENT_TIERING), C(GLACIER), C(GLACIER_IR), C(DEEP_ARCHIVE)) for copied objects;
            C(source_prefix) to back up only keys under it; C(object_concurrency) (default 8) how many of a bucket's
            objects are hashed or copied at once, on top of O(concurrency)."
          - "V(postgres): C(host), C(port), C(user), C(sslmode), C(connect_timeout), C(maintenance_db) (each defaulting to
            O(postgres) and then to V(localhost), V(5432), V(postgres), V(prefer), V(10), V(postgres)); exactly one of
            C(dump_dir) (an absolute directory on the host that runs the module) and C(dump_bucket) (an S3 bucket, dumps
            streamed with multipart uploads), C(dump_prefix) (default C(steward/postgres)); C(bin_dir) where pg_dump and
            pg_restore are (default: the server's major version under C(/usr/lib/postgresql), then C(PATH)). Never a
            password: that goes in O(postgres.password)."
          - V(dynamodb), V(rds), V(aurora) and V(ebs) take no options yet.
        type: dict
        default: {}
  concurrency:
    description:
      - How many resources are handled at once. Botocore's retry mode absorbs throttling.
      - A whole number from 1 to 64.
    type: int
    default: 8
  retry_mode:
    description: Botocore's retry mode for every AWS call. V(adaptive) also rate-limits the client side.
    type: str
    default: standard
    choices: [standard, adaptive]
  retry_max_attempts:
    description: Botocore's maximum attempts per call, first try included (1 to 50).
    type: int
    default: 10
  postgres:
    description:
      - Defaults for every V(postgres) target's C(options), and the password, which only this option takes (it is
        hidden from logs and never recorded). libpq's C(PGPASSWORD) and C(~/.pgpass) work too when it is not set.
      - Requires the Python package C(psycopg) (3.x) and PostgreSQL's C(pg_dump) and C(pg_restore) of the server's major
        version or newer on the host that runs the module.
    type: dict
    suboptions:
      host:
        description: Server host name or address.
        type: str
      port:
        description: Server port.
        type: int
      user:
        description: Role to connect as; restore tests need C(CREATEDB).
        type: str
      password:
        description: The role's password.
        type: str
      sslmode:
        description: libpq's sslmode.
        type: str
        choices: [disable, allow, prefer, require, verify-ca, verify-full]
      connect_timeout:
        description: Seconds to wait for a connection.
        type: int
      maintenance_db:
        description: Database to connect to for creating and dropping scratch databases.
        type: str
      dump_dir:
        description: Absolute directory for dumps on the host that runs the module.
        type: path
      dump_bucket:
        description: S3 bucket for dumps.
        type: str
      dump_prefix:
        description: Key prefix for dumps in O(postgres.dump_bucket).
        type: str
      bin_dir:
        description: Directory of pg_dump and pg_restore.
        type: path
"""

    LEDGER = r"""
options:
  ledger:
    description:
      - Where the evidence ledger lives, an absolute local directory or V(s3://bucket/prefix).
      - One JSON record per resource per run at C(<ledger>/<kind>/<resource>/<action>/<time>-<run>-<random>.json).
        Records are never overwritten, so concurrent runs cannot lose each other's evidence.
      - Outside check mode the ledger is probed before any change is made; if it cannot be written, nothing is done.
      - Without it the task warns that it leaves no evidence.
    type: str
"""
