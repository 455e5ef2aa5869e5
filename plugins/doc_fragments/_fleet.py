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
            V(s3) buckets.
        type: str
        required: true
        choices: [dynamodb, rds, aurora, ebs, s3]
      names:
        description: Resource names or ids (table name, DB instance or cluster identifier, volume id, bucket name).
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
