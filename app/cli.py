"""Operator commands: `flask users create USERNAME [--admin]`."""
import click
from flask.cli import AppGroup

from app.api.auth.schemas import RegisterSchema
from app.errors import ApiError
from app.services.users import register_user

users_cli = AppGroup("users", help="Manage user accounts.")


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
