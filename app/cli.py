"""Operator commands: `flask users create USERNAME [--admin]`, `flask redis clear FAMILY`."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.api.auth.schemas import RegisterSchema
from app.errors import ApiError
from app.redis_client import delete_family
from app.services.users import register_user

users_cli = AppGroup("users", help="Manage user accounts.")
redis_cli = AppGroup("redis", help="Manage the service's Redis keys.")

# The key families under REDIS_KEY_PREFIX (docs/runbook.md, "Rolling back", says what clearing each does).
KEY_FAMILIES = ("typing", "presence", "socket", "revoked", "ratelimit", "limiter", "huey", "jobs", "push", "lock")


@users_cli.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Give the account admin rights.")
@click.option("--display-name", default=None)
@click.password_option(help="Prompted for when not given.")
def create_user(username, admin, display_name, password):
    """Create a user account (optionally an admin)."""
    errors = RegisterSchema().validate({"username": username, "password": password})
    if errors:
        raise click.UsageError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
    try:
        user = register_user(username, password, display_name, is_admin=admin)
    except ApiError as exc:
        raise click.ClickException(exc.message)
    click.echo(f"created user {user.username} (id {user.id}{', admin' if admin else ''})")


@redis_cli.command("clear")
@click.argument("family", type=click.Choice(KEY_FAMILIES))
def clear_family(family):
    """Delete every key of one family, e.g. `flask redis clear typing` (with SCAN, never KEYS)."""
    deleted = delete_family(family)
    click.echo(f"deleted {deleted} keys under {current_app.config['REDIS_KEY_PREFIX']}{family}")
