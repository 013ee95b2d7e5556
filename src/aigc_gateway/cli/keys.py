"""``aigc-gateway keys create | list | revoke``: API keys in the data dir's database."""

from __future__ import annotations

import argparse
import time

from ..store import DATABASE_FILE, KeyStore, connect
from .common import EXIT_USAGE, CliError, add_common


def keys(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = add_common(actions.add_parser("create", help="create a key (printed once)"))
    create.add_argument("--tenant", required=True)
    create.add_argument("--admin", action="store_true", help="may use the admin API")
    create.set_defaults(run=run_create)
    listing = add_common(actions.add_parser("list", help="list keys (never the secrets)"))
    listing.add_argument("--tenant", default=None)
    listing.set_defaults(run=run_list)
    revoke = add_common(actions.add_parser("revoke", help="revoke a key by id"))
    revoke.add_argument("key_id")
    revoke.set_defaults(run=run_revoke)


def _key_store(args: argparse.Namespace) -> KeyStore:
    return KeyStore(connect(args.data_dir / DATABASE_FILE))


def run_create(args: argparse.Namespace) -> None:
    tenant = args.tenant.strip()
    if not tenant:
        raise CliError("--tenant must not be empty", EXIT_USAGE)
    key_id, secret = _key_store(args).create_key(tenant, admin=args.admin)
    role = "admin key" if args.admin else "key"
    print(f"Created {role} {key_id} for tenant '{tenant}'. It is shown only once:")
    print(secret)


def run_list(args: argparse.Namespace) -> None:
    found = _key_store(args).list_keys(args.tenant)
    print(f"{'ID':<18} {'TENANT':<20} {'ADMIN':<6} {'CREATED (UTC)':<20} STATUS")
    for key in found:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(key.created_at))
        status = "revoked" if key.revoked else "active"
        admin = "yes" if key.admin else "no"
        print(f"{key.id:<18} {key.tenant:<20} {admin:<6} {created:<20} {status}")


def run_revoke(args: argparse.Namespace) -> None:
    if not _key_store(args).revoke(args.key_id):
        raise CliError(f"no active key with id {args.key_id}")
    print(f"Revoked {args.key_id}.")
