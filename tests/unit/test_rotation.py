"""secret_rotation, access_key_rotation and log_retention against moto in-process (Secrets Manager, IAM, Logs), the
postgres apply path against the real PostgreSQL the tests run; ages on the injected clock."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from conftest import make_context
from freezegun import freeze_time
from moto_patches import secret_version_dates

from ansible_collections.steward.maintenance.plugins.module_utils import (
    _access_key_rotation_action,
    _log_retention_action,
    _secret_rotation_action,
)
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential import IAM_USER_FAMILY, SECRET_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._secret_apply import can_log_in
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.logs import LOG_FAMILY

# One worker: moto stamps times with freezegun's clock (moved to the test's clock below), which answers real time to
# calls made from worker threads.
COMMON = {"concurrency": 1, "retry_max_attempts": 3}
DAY = 86400


def rotate_secrets(factory, clock, ledger=None, check_mode=False, **params):
    params = {"targets": [{"kind": "secret", "names": ["pazpaz/*"]}], "ledger": str(ledger) if ledger else None, **COMMON, **params}
    request = _secret_rotation_action.parse_request(params, SECRET_FAMILY.kinds)
    context = make_context(factory, clock, ledger, check_mode=check_mode)
    with freeze_time(clock.now(), tick=True):  # what the module creates, moto stamps with the test's time
        payload, failure = _secret_rotation_action.run_secret_rotation(context, request, SECRET_FAMILY.kinds)
    return payload, failure, context


def by_id(payload):
    return {resource["id"]: resource for resource in payload["resources"]}


def current(aws, name):
    return aws.client("secretsmanager").get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"]


@pytest.fixture
def pazpaz_role(pg_server):
    pg_server.psql("DROP ROLE IF EXISTS pazpaz_app")
    pg_server.psql("CREATE ROLE pazpaz_app LOGIN PASSWORD 'initial-app-password'")
    return {**pg_server.connection, "connect_timeout": 10, "maintenance_db": "postgres"}


@pytest.fixture
def secrets_fleet(aws):
    secret_version_dates()
    client = aws.client("secretsmanager")
    client.create_secret(Name="pazpaz/jwt-signing-key", SecretString="initial-jwt-key-0123456789")
    client.create_secret(Name="pazpaz/database", SecretString=json.dumps({"username": "pazpaz_app", "password": "initial-app-password"}))
    client.create_secret(Name="other/thing", SecretString="not-selected-value")
    return aws


def secret_targets(pg):
    return [
        {"kind": "secret", "names": ["pazpaz/jwt-signing-key"], "options": {"generate": {"length": 48, "punctuation": True}}},
        {
            "kind": "secret",
            "names": ["pazpaz/database"],
            "options": {"apply": "postgres", "role": "pazpaz_app", "generate": {"key": "password", "length": 40}, **pg},
        },
    ]


def pg_options(connection):
    return {key: connection[key] for key in ("host", "port", "user", "sslmode")}


def test_rotates_old_secrets_end_to_end_and_a_rerun_rotates_nothing(secrets_fleet, factory, clock, tmp_path, pazpaz_role):
    clock.advance(91 * DAY)
    targets = secret_targets(pg_options(pazpaz_role))
    payload, failure, context = rotate_secrets(factory, clock, tmp_path, targets=targets, postgres={"password": pazpaz_role["password"]})
    assert failure is None, failure
    resources = by_id(payload)
    assert {resource["status"] for resource in resources.values()} == {"rotated"}
    jwt = current(secrets_fleet, "pazpaz/jwt-signing-key")
    assert jwt != "initial-jwt-key-0123456789" and len(jwt) == 48
    database = json.loads(current(secrets_fleet, "pazpaz/database"))
    assert database["username"] == "pazpaz_app" and database["password"] != "initial-app-password" and len(database["password"]) == 40
    # The role has the new password, not the old one.
    assert can_log_in(pazpaz_role, "pazpaz_app", database["password"], "postgres")[0] is True
    assert can_log_in(pazpaz_role, "pazpaz_app", "initial-app-password", "postgres")[0] is False
    stages = secrets_fleet.client("secretsmanager").describe_secret(SecretId="pazpaz/database")["VersionIdsToStages"]
    assert sorted(stage for found in stages.values() for stage in found) == ["AWSCURRENT", "AWSPREVIOUS"]
    # Nothing shows a value: not the result, not the ledger.
    shown = json.dumps(payload) + "".join(path.read_text() for path in tmp_path.rglob("*.json"))
    for value in (jwt, database["password"], "initial-app-password", "initial-jwt-key-0123456789", pazpaz_role["password"]):
        assert value not in shown
    assert database["password"] in context.secrets.values  # declared, so Ansible masks it too
    assert len(list(tmp_path.rglob("secret_rotation/*.json"))) == 2

    again, failure, _context = rotate_secrets(factory, clock, tmp_path, targets=targets, postgres={"password": pazpaz_role["password"]})
    assert failure is None and {resource["status"] for resource in again["resources"]} == {"skipped"}
    assert current(secrets_fleet, "pazpaz/jwt-signing-key") == jwt


def test_young_secrets_are_skipped_unless_forced_and_check_mode_changes_nothing(secrets_fleet, factory, clock):
    payload, failure, _context = rotate_secrets(factory, clock, targets=[{"kind": "secret", "names": ["pazpaz/jwt-signing-key"]}])
    assert failure is None and payload["resources"][0]["status"] == "skipped"
    planned, failure, _context = rotate_secrets(factory, clock, check_mode=True, force=True)
    assert failure is None and sorted(by_id(planned)) == ["pazpaz/database", "pazpaz/jwt-signing-key"]  # the glob
    assert {resource["status"] for resource in planned["resources"]} == {"planned"}
    assert factory.mutating_calls == []
    forced, failure, _context = rotate_secrets(
        factory, clock, force=True, targets=[{"kind": "secret", "names": ["pazpaz/jwt-signing-key"]}]
    )
    assert failure is None and forced["resources"][0]["status"] == "rotated"


def test_a_failed_verification_leaves_the_role_and_the_secret_as_they_were(secrets_fleet, factory, clock, pazpaz_role, monkeypatch):
    from ansible_collections.steward.maintenance.plugins.module_utils import _secret_rotation_action as action

    real = action.can_log_in
    calls = []

    def refuse_the_new_password(options, role, password, database):
        calls.append(password)
        return (False, "simulated: pg_hba refuses") if len(calls) == 1 else real(options, role, password, database)

    monkeypatch.setattr(action, "can_log_in", refuse_the_new_password)
    before = current(secrets_fleet, "pazpaz/database")
    targets = secret_targets(pg_options(pazpaz_role))[1:]
    payload, failure, _context = rotate_secrets(factory, clock, force=True, targets=targets, postgres={"password": pazpaz_role["password"]})
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and resource["error_code"] == "verify_failed" and failure
    assert "role's old password restored and verified" in resource["steps"]
    assert current(secrets_fleet, "pazpaz/database") == before
    stages = secrets_fleet.client("secretsmanager").describe_secret(SecretId="pazpaz/database")["VersionIdsToStages"]
    assert not any("AWSPENDING" in found for found in stages.values())
    assert can_log_in(pazpaz_role, "pazpaz_app", "initial-app-password", "postgres")[0] is True


def test_a_stuck_pending_version_is_reported_with_what_to_do(secrets_fleet, factory, clock):
    client = secrets_fleet.client("secretsmanager")
    client.put_secret_value(SecretId="pazpaz/jwt-signing-key", SecretString="half-rotated-value", VersionStages=["AWSPENDING"])
    payload, failure, _context = rotate_secrets(
        factory, clock, force=True, targets=[{"kind": "secret", "names": ["pazpaz/jwt-signing-key"]}]
    )
    resource = payload["resources"][0]
    assert failure and resource["error_code"] == "pending" and "--remove-from-version-id" in resource["error"]
    assert factory.mutating_calls == []


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"generate": {"length": 0}}, "targets[0].options.generate.length"),
        ({"generate": {"lowercase": False, "uppercase": False, "digits": False}}, "targets[0].options.generate"),
        (
            {"generate": {"digits": True, "lowercase": False, "uppercase": False, "exclude_characters": "0123456789"}},
            "targets[0].options.generate",
        ),
        ({"apply": "postgres"}, "targets[0].options.role"),
        ({"apply": "mysql"}, "targets[0].options.apply"),
    ],
)
def test_bad_generate_and_apply_options_fail_before_any_call(options, option):
    with pytest.raises(OptionError) as raised:
        _secret_rotation_action.parse_request(
            {"targets": [{"kind": "secret", "names": ["s"], "options": options}], **COMMON}, SECRET_FAMILY.kinds
        )
    assert raised.value.option == option


def test_a_missing_role_fails_that_secret_before_any_change(secrets_fleet, factory, clock, pazpaz_role):
    options = {"apply": "postgres", "role": "no_such_role", "generate": {"key": "password"}, **pg_options(pazpaz_role)}
    payload, failure, _context = rotate_secrets(
        factory,
        clock,
        force=True,
        targets=[{"kind": "secret", "names": ["pazpaz/database"], "options": options}],
        postgres={"password": pazpaz_role["password"]},
    )
    assert payload["resources"][0]["error_code"] == "not_found" and "options.role=no_such_role" in failure
    assert factory.mutating_calls == []


# --- access keys ---------------------------------------------------------------------------------------------------
def rotate_keys(factory, clock, ledger=None, check_mode=False, **params):
    base = {"targets": [{"kind": "iam_user", "names": ["pazpaz-*"]}], "store": {"secret_name": "iam/{user}/access-key"}}
    request = _access_key_rotation_action.parse_request(
        {**base, "ledger": str(ledger) if ledger else None, **COMMON, **params}, IAM_USER_FAMILY.kinds
    )
    context = make_context(factory, clock, ledger, check_mode=check_mode)
    with freeze_time(clock.now(), tick=True):
        payload, failure = _access_key_rotation_action.run_access_key_rotation(context, request, IAM_USER_FAMILY.kinds)
    return payload, failure, context


@pytest.fixture
def users(aws):
    iam = aws.client("iam")
    for user in ("pazpaz-s3", "pazpaz-backup", "ci-deployer"):
        iam.create_user(UserName=user, Tags=[{"Key": "rotation", "Value": "quarterly"}] if user != "ci-deployer" else [])
        iam.create_access_key(UserName=user)
    return aws


def keys(aws, user):
    return {key["AccessKeyId"]: key["Status"] for key in aws.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]}


def test_key_lifecycle_rotate_deactivate_delete_never_without_an_active_key(users, factory, clock, tmp_path):
    first = keys(users, "pazpaz-s3")
    clock.advance(95 * DAY)
    payload, failure, context = rotate_keys(factory, clock, tmp_path)
    assert failure is None, failure
    assert {resource["id"]: resource["status"] for resource in payload["resources"]} == {"pazpaz-backup": "rotated", "pazpaz-s3": "rotated"}
    after = keys(users, "pazpaz-s3")
    assert len(after) == 2 and set(after.values()) == {"Active"}  # the old key stays active until deactivate_after
    stored = json.loads(
        users.client("secretsmanager").get_secret_value(SecretId="iam/pazpaz-s3/access-key", VersionStage="AWSCURRENT")["SecretString"]
    )
    new_key = stored["AccessKeyId"]
    assert new_key in after and new_key not in first
    shown = json.dumps(payload) + "".join(path.read_text() for path in tmp_path.rglob("*.json"))
    assert stored["SecretAccessKey"] not in shown and stored["SecretAccessKey"] in context.secrets.values

    again, _failure, _context = rotate_keys(factory, clock, tmp_path)
    assert {resource["status"] for resource in again["resources"]} == {"unchanged"}

    clock.advance(6 * DAY)  # the old key is 101 days old
    _retired, failure, _context = rotate_keys(factory, clock, tmp_path)
    assert failure is None and keys(users, "pazpaz-s3") == {**{key: "Inactive" for key in first}, new_key: "Active"}
    clock.advance(10 * DAY)  # 111 days: deleted; the new one (26 days) stays
    deleted, failure, _context = rotate_keys(factory, clock, tmp_path)
    assert failure is None and keys(users, "pazpaz-s3") == {new_key: "Active"}
    assert {entry["action"] for entry in deleted["resources"][1]["done"]} == {"deleted"}


def test_require_new_key_used_keeps_the_old_key_active(users, factory, clock):
    clock.advance(95 * DAY)
    rotate_keys(factory, clock, require_new_key_used=True)
    clock.advance(10 * DAY)
    payload, failure, _context = rotate_keys(factory, clock, require_new_key_used=True)
    assert failure is None and set(keys(users, "pazpaz-s3").values()) == {"Active"}
    assert any("require_new_key_used" in reason for reason in payload["resources"][0]["plan"]["reasons"])


def test_two_active_keys_block_a_due_rotation_and_check_mode_is_the_review(users, factory, clock):
    users.client("iam").create_access_key(UserName="pazpaz-s3")
    clock.advance(95 * DAY)
    review, failure, _context = rotate_keys(
        factory, clock, check_mode=True, targets=[{"kind": "iam_user", "tags": {"rotation": "quarterly"}}]
    )
    assert factory.mutating_calls == []
    assert {resource["id"]: resource["status"] for resource in review["resources"]} == {"pazpaz-backup": "planned", "pazpaz-s3": "blocked"}
    assert review["summary"]["unused_keys"] == 3 and {entry["user"] for entry in review["unused_keys"]} == {"pazpaz-s3", "pazpaz-backup"}
    assert failure is None


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"rotate_after": "90d", "deactivate_after": "90d"}, "deactivate_after"),
        ({"deactivate_after": "100d", "delete_after": "99d"}, "delete_after"),
        ({"store": {"secret_name": "no-user-placeholder"}}, "store.secret_name"),
        ({"rotate_after": "soon"}, "rotate_after"),
    ],
)
def test_bad_key_options_fail_before_any_call(params, option):
    with pytest.raises(OptionError) as raised:
        _access_key_rotation_action.parse_request(
            {"targets": [{"kind": "iam_user", "names": ["u"]}], **COMMON, **params}, IAM_USER_FAMILY.kinds
        )
    assert raised.value.option == option


def test_a_user_that_does_not_exist_fails_alone(users, factory, clock):
    clock.advance(95 * DAY)
    payload, failure, _context = rotate_keys(factory, clock, targets=[{"kind": "iam_user", "names": ["ghost", "pazpaz-s3"]}])
    assert "iam_user/ghost" in failure
    assert by_id(payload)["ghost"]["error_code"] == "not_found" and by_id(payload)["pazpaz-s3"]["status"] == "rotated"


# --- log retention -------------------------------------------------------------------------------------------------
def log_retention(factory, clock, check_mode=False, diff=False, **params):
    base = {"targets": [{"kind": "log_group", "names": ["/aws/lambda/pazpaz-*"]}], "retention_days": 30}
    request = _log_retention_action.parse_request({**base, **COMMON, **params}, LOG_FAMILY.kinds)
    return _log_retention_action.run_log_retention(
        make_context(factory, clock, check_mode=check_mode, diff=diff), request, LOG_FAMILY.kinds
    )


def test_log_retention_sets_where_missing_and_enforces_on_request(aws, factory, clock):
    logs = aws.client("logs")
    for name in ("/aws/lambda/pazpaz-api", "/aws/lambda/pazpaz-worker", "/aws/lambda/other"):
        logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName="/aws/lambda/pazpaz-worker", retentionInDays=7)
    planned, failure = log_retention(factory, clock, check_mode=True, diff=True)
    assert failure is None and factory.mutating_calls == []
    assert planned["diff"]["after"] == {"/aws/lambda/pazpaz-api": 30, "/aws/lambda/pazpaz-worker": 7}
    payload, failure = log_retention(factory, clock)
    assert {r["id"]: (r["status"], r["before"], r["after"]) for r in payload["resources"]} == {
        "/aws/lambda/pazpaz-api": ("set", None, 30),
        "/aws/lambda/pazpaz-worker": ("unchanged", 7, 7),
    }
    enforced, failure = log_retention(factory, clock, enforce=True)
    assert by_id(enforced)["/aws/lambda/pazpaz-worker"]["status"] == "set"
    groups = {g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]}
    assert groups == {"/aws/lambda/pazpaz-api": 30, "/aws/lambda/pazpaz-worker": 30, "/aws/lambda/other": None}
    again, failure = log_retention(factory, clock, enforce=True)
    assert again["changed"] is False
    with pytest.raises(OptionError) as raised:
        log_retention(factory, clock, retention_days=13)
    assert raised.value.option == "retention_days"
    missing, failure = log_retention(factory, clock, targets=[{"kind": "log_group", "names": ["/aws/lambda/ghost"]}])
    assert missing["resources"][0]["error_code"] == "not_found" and failure


def test_a_secret_that_does_not_exist_fails_alone_before_any_change(secrets_fleet, factory, clock):
    targets = [{"kind": "secret", "names": ["pazpaz/missing", "pazpaz/jwt-signing-key"]}]
    payload, failure, _context = rotate_secrets(factory, clock, force=True, targets=targets)
    assert by_id(payload)["pazpaz/missing"]["error_code"] == "not_found" and "secret/pazpaz/missing" in failure
    assert by_id(payload)["pazpaz/jwt-signing-key"]["status"] == "rotated"


# --- what a killed run leaves behind -------------------------------------------------------------------------------
def put_pending(client, name, value, token):
    return client.put_secret_value(SecretId=name, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])["VersionId"]


def test_a_rotation_a_killed_run_left_pending_is_finished_and_a_foreign_or_young_one_is_not(
    secrets_fleet, factory, clock, tmp_path, pazpaz_role, pg_server
):
    client = secrets_fleet.client("secretsmanager")
    with freeze_time(clock.now()):
        jwt = put_pending(client, "pazpaz/jwt-signing-key", "pending-jwt-key-0123456789", "steward-" + "a" * 32)
        # Killed between apply and promote: the role already has the pending password, the secret the old one.
        applied = json.dumps({"username": "pazpaz_app", "password": "applied-by-the-killed-run"})
        database = put_pending(client, "pazpaz/database", applied, "steward-" + "b" * 32)
        # Killed between promoting and taking AWSPENDING off: the current version carries both labels.
        client.create_secret(Name="pazpaz/promoted", SecretString="old-value")
        promoted = put_pending(client, "pazpaz/promoted", "promoted-value", "steward-" + "d" * 32)
        stages = client.describe_secret(SecretId="pazpaz/promoted")["VersionIdsToStages"]
        old = next(version for version, found in stages.items() if "AWSCURRENT" in found)
        client.update_secret_version_stage(
            SecretId="pazpaz/promoted", VersionStage="AWSCURRENT", MoveToVersionId=promoted, RemoveFromVersionId=old
        )
        client.create_secret(Name="pazpaz/foreign", SecretString="someone-elses-value")
        foreign = put_pending(client, "pazpaz/foreign", "someone-elses-pending", "f" * 36)  # not steward's token
    pg_server.psql("ALTER ROLE pazpaz_app PASSWORD 'applied-by-the-killed-run'")
    targets = [*secret_targets(pg_options(pazpaz_role)), {"kind": "secret", "names": ["pazpaz/foreign", "pazpaz/promoted"]}]

    clock.advance(300)  # younger than wait_timeout (10m): could be a run in progress, nothing touched
    young, failure, _context = rotate_secrets(factory, clock, targets=targets)
    codes = {r["id"]: r["error_code"] for r in young["resources"]}
    pending = dict.fromkeys(("pazpaz/jwt-signing-key", "pazpaz/database", "pazpaz/foreign"), "pending")
    assert failure and codes == {**pending, "pazpaz/promoted": None}  # promoted and young: not due, left as it is
    assert factory.mutating_calls == []

    clock.advance(DAY)  # a day later: the current versions are not due, but a half-done rotation is finished anyway
    planned, _failure, _context = rotate_secrets(factory, clock, check_mode=True, targets=targets)
    assert [by_id(planned)[name]["status"] for name in ("pazpaz/jwt-signing-key", "pazpaz/database")] == ["planned", "planned"]
    assert "interrupted run" in by_id(planned)["pazpaz/database"]["message"] and factory.mutating_calls == []

    payload, failure, _context = rotate_secrets(factory, clock, tmp_path, targets=targets)
    resources = by_id(payload)
    for name, version in (("pazpaz/jwt-signing-key", jwt), ("pazpaz/database", database)):
        assert resources[name]["status"] == "rotated" and resources[name]["new_version"] == version, resources[name]
        assert resources[name]["steps"][0].startswith(f"resumed: version {version}")
        assert client.describe_secret(SecretId=name)["VersionIdsToStages"][version] == ["AWSCURRENT"]
    assert "login with its password works" in resources["pazpaz/database"]["steps"][1]
    assert resources["pazpaz/promoted"]["status"] == "rotated", resources["pazpaz/promoted"]
    assert "taken off the current version" in resources["pazpaz/promoted"]["steps"][1]
    assert client.describe_secret(SecretId="pazpaz/promoted")["VersionIdsToStages"][promoted] == ["AWSCURRENT"]
    assert json.loads(current(secrets_fleet, "pazpaz/database"))["password"] == "applied-by-the-killed-run"
    assert resources["pazpaz/foreign"]["error_code"] == "pending" and failure
    assert "AWSPENDING" in client.describe_secret(SecretId="pazpaz/foreign")["VersionIdsToStages"][foreign]


def test_a_killed_runs_pending_password_never_applied_is_abandoned_and_the_rotation_done_anew(secrets_fleet, factory, clock, pazpaz_role):
    client = secrets_fleet.client("secretsmanager")
    with freeze_time(clock.now()):
        never_applied = put_pending(
            client, "pazpaz/database", json.dumps({"username": "pazpaz_app", "password": "never-reached-the-role"}), "steward-" + "c" * 32
        )
    clock.advance(DAY)
    targets = secret_targets(pg_options(pazpaz_role))[1:]
    payload, failure, _context = rotate_secrets(factory, clock, targets=targets, postgres={"password": pazpaz_role["password"]})
    assert failure is None, failure
    (resource,) = payload["resources"]
    assert resource["status"] == "rotated" and resource["new_version"] != never_applied
    assert "never applied, AWSPENDING removed" in resource["steps"][1] and "new value put as AWSPENDING" in resource["steps"]
    stages = client.describe_secret(SecretId="pazpaz/database")["VersionIdsToStages"]
    assert stages.get(never_applied, []) == [] and stages[resource["new_version"]] == ["AWSCURRENT"]
    password = json.loads(current(secrets_fleet, "pazpaz/database"))["password"]
    assert can_log_in(pazpaz_role, "pazpaz_app", password, "postgres")[0]


def test_a_key_a_killed_run_made_but_never_stored_is_deleted_and_the_rotation_done_anew(users, factory, clock, tmp_path):
    iam = users.client("iam")
    first = keys(users, "pazpaz-s3")
    clock.advance(95 * DAY)
    with freeze_time(clock.now()):
        iam.tag_user(UserName="pazpaz-s3", Tags=[{"Key": "steward:rotating", "Value": f"deadbeef0000 {clock.now():%Y-%m-%dT%H:%M:%SZ}"}])
        orphan = iam.create_access_key(UserName="pazpaz-s3")["AccessKey"]["AccessKeyId"]  # its secret died with the run
    clock.advance(3600)
    # Another user's rotation is in progress right now (its tag is a minute old): not touched.
    iam.tag_user(UserName="pazpaz-backup", Tags=[{"Key": "steward:rotating", "Value": f"cafe00000000 {clock.now():%Y-%m-%dT%H:%M:%SZ}"}])
    backup_keys = keys(users, "pazpaz-backup")

    planned, _failure, _context = rotate_keys(factory, clock, check_mode=True)
    assert f"{orphan}: made by an interrupted run" in by_id(planned)["pazpaz-s3"]["message"] and factory.mutating_calls == []

    payload, failure, _context = rotate_keys(factory, clock, tmp_path)
    resources = by_id(payload)
    assert resources["pazpaz-s3"]["status"] == "rotated", resources["pazpaz-s3"]
    assert resources["pazpaz-backup"]["error_code"] == "in_progress" and "cafe00000000" in resources["pazpaz-backup"]["error"]
    assert failure and keys(users, "pazpaz-backup") == backup_keys
    after = keys(users, "pazpaz-s3")
    stored = json.loads(users.client("secretsmanager").get_secret_value(SecretId="iam/pazpaz-s3/access-key")["SecretString"])
    assert orphan not in after and set(after) == set(first) | {stored["AccessKeyId"]}
    assert {tag["Key"] for tag in iam.list_user_tags(UserName="pazpaz-s3")["Tags"]} == {"rotation"}
    done = {entry["action"] for entry in resources["pazpaz-s3"]["done"]}
    assert {"deleted (made by an interrupted run, never stored)", "created"} <= done


def test_a_key_aws_refuses_to_make_leaves_the_user_as_it_was_and_the_next_run_rotates(users, factory, clock, tmp_path):
    """AccessDenied on CreateAccessKey (a policy without it): nothing was made, so the user's steward:rotating mark
    is taken off again; left on, it would block every run for the in-flight window."""
    iam = users.client("iam")
    clock.advance(95 * DAY)
    before = keys(users, "pazpaz-s3")
    message = "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: iam:CreateAccessKey"
    denied = {"Error": {"Code": "AccessDenied", "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 403}}
    refusing = [True]

    def refuse(**_: object) -> tuple[object, dict] | None:
        return (SimpleNamespace(status_code=403, headers={}), denied) if refusing[0] else None

    users.events.register("before-call.iam.CreateAccessKey", refuse)
    payload, failure, _context = rotate_keys(factory, clock, tmp_path)
    refused = by_id(payload)["pazpaz-s3"]
    assert refused["status"] == "failed" and "iam:CreateAccessKey" in refused["error"] and failure
    assert keys(users, "pazpaz-s3") == before
    assert {tag["Key"] for tag in iam.list_user_tags(UserName="pazpaz-s3")["Tags"]} == {"rotation"}

    refusing[0] = False
    clock.advance(60)  # well inside the in-flight window a mark left behind would have opened
    payload, failure, _context = rotate_keys(factory, clock, tmp_path)
    assert failure is None and by_id(payload)["pazpaz-s3"]["status"] == "rotated", payload
