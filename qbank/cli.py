"""Flask commands; they call the same services as the views and commit once."""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app, url_for

from qbank import PROJECT_ROOT, clock
from qbank.database import write_transaction
from qbank.domain.passwords import password_problem
from qbank.extensions import db
from qbank.importers import formats
from qbank.importers.drafts import ParseResult
from qbank.models import QuestionSet, ReviewLog, Role
from qbank.services import accounts, gamification, imports
from qbank.services.seed import HISTORY_DAYS, seed_demo


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(reset_link)
    app.cli.add_command(seed)
    app.cli.add_command(import_file)
    app.cli.add_command(rebuild_stats)


def _password_from_prompt(email: str) -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password, email)
        if problem is None:
            return password
        click.echo(problem, err=True)


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.STUDENT.value,
    show_default=True,
    help="Role to create the account with, or to grant if it exists.",
)
@click.option("--name", default="", help="Display name (default: the part before @).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of prompting.",
)
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account, or grant ROLE to the account that has EMAIL."""
    user = accounts.find_user_by_email(email)
    if user is not None:
        try:
            with write_transaction():
                accounts.set_role(user, Role(role), None, clock.now())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{user.email} is now {user.role}.")
        return
    password = sys.stdin.readline().rstrip("\n") if password_stdin else _password_from_prompt(email)
    try:
        account = accounts.new_account(email, password, name)  # the same checks as sign-up
        with write_transaction():
            user = accounts.create_account(account, clock.now(), role=Role(role))
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role}).")


@click.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a one-time password reset link for the account with EMAIL."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail {email}.")
    hours = current_app.config["QBANK_RESET_LINK_HOURS"]
    with write_transaction():
        issued = accounts.issue_reset_link(user, None, clock.now(), timedelta(hours=hours))
    base = current_app.config["QBANK_BASE_URL"].rstrip("/")
    with current_app.test_request_context():
        path = url_for("auth.reset_password", token=issued.token)
    click.echo(f"{base}{path}")
    click.echo(f"It works once, for {hours} hours.")


@click.command("seed")
@click.option(
    "--logins-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the demo logins (default: instance/demo-logins.txt).",
)
@click.option(
    "--history-days",
    type=click.IntRange(0, 60),
    default=HISTORY_DAYS,
    show_default=True,
    help="Days of study the demo classmates have behind them on a fresh database.",
)
def seed(logins_file: Path | None, history_days: int) -> None:
    """Load demo accounts, a demo cohort with classmates, and the question sets in seeds/."""
    with write_transaction():
        report = seed_demo(
            PROJECT_ROOT / "seeds",
            clock.now(),
            current_app.extensions["qbank_media"],
            history_days=history_days,
        )
    for title in report.sets_loaded:
        click.echo(f"Loaded set: {title}")
    if report.sets_present:
        click.echo(f"{len(report.sets_present)} demo set(s) already loaded.")
    if report.classmates:
        click.echo(
            f"Added {report.classmates} demo classmates who gave "
            f"{report.classmate_answers} answers over the past {history_days} days."
        )
    if report.assigned_block:
        click.echo(f"Set the demo cohort a block, {report.assigned_block!r}; 5 classmates took it.")
    if report.logins:
        path = logins_file or Path(current_app.instance_path) / "demo-logins.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Passwords go to a private file that `make run` prints, never to the log.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            for label, email, password in report.logins:
                out.write(f"{label:8} {email:28} {password}\n")
        click.echo(f"Created {len(report.logins)} demo accounts; logins are in {path}.")
    else:
        click.echo("Demo accounts already exist.")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--set", "title", required=True, help="Title of the set to import into (made if new)."
)
@click.option("--owner", required=True, help="E-mail of the faculty member who owns the set.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(formats.IMPORTERS)),
    default=None,
    help="Format of FILE (default: detected from its content).",
)
@click.option("--dry-run", is_flag=True, help="Check and report; save nothing.")
def import_file(file: Path, title: str, owner: str, fmt: str | None, dry_run: bool) -> None:
    """Import the questions in FILE into the set TITLE owned by OWNER."""
    user = accounts.find_user_by_email(owner)
    if user is None or not user.has_role(Role.FACULTY, Role.ADMIN):
        raise click.ClickException(f"{owner} is not a faculty or admin account.")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if file.stat().st_size > limit:
        raise click.ClickException(
            f"{file.name} is larger than the upload limit ({limit // 1048576} MB)."
        )
    target = db.session.scalar(
        sa.select(QuestionSet).where(QuestionSet.owner_id == user.id, QuestionSet.title == title)
    )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file.name} cannot be read: {exc.strerror}.") from None
    fmt, parsed = formats.parse_upload(data, file.name, fmt)
    plan = imports.plan_import(parsed, target) if parsed.ok else None
    _echo_report(file.name, fmt, parsed, plan, target)
    if not parsed.ok:
        raise click.ClickException(f"{len(parsed.errors)} problem(s); nothing was saved.")
    if dry_run:
        click.echo("Dry run: nothing was saved.")
        return
    try:
        with (
            click.progressbar(length=len(parsed.drafts), label="Saving") as bar,
            write_transaction(),
        ):
            outcome = imports.import_questions(
                parsed,
                user,
                clock.now(),
                current_app.extensions["qbank_media"],
                target=target,
                title=title,
                progress=lambda done: bar.update(done - bar.pos),
            )
    except imports.ImportRefused as exc:  # the report missed it; the service did not
        raise click.ClickException(str(exc)) from None
    counts = outcome.counts
    click.echo(
        f'Imported into "{outcome.question_set.title}" (set {outcome.question_set.id}): '
        f"{counts['created']} new, {counts['updated'] + counts['versioned']} updated, "
        f"{counts['unchanged']} unchanged."
    )


def _echo_report(
    name: str,
    fmt: str | None,
    parsed: ParseResult,
    plan: imports.ImportPlan | None,
    target: QuestionSet | None,
) -> None:
    label = formats.IMPORTERS[fmt].LABEL if fmt in formats.IMPORTERS else "unknown format"
    where = f'"{target.title}"' if target else "a new set"
    click.echo(f"{name} ({label}) into {where}: {len(parsed.drafts)} question(s) read.")
    if plan:
        kinds = ", ".join(f"{n} {kind}" for kind, n in plan.kinds.most_common())
        click.echo(
            f"  {plan.new} new, {plan.updated} updated, {plan.unchanged} unchanged ({kinds})."
        )
    for problem in parsed.errors:
        click.echo(f"  error   {problem}", err=True)
    for problem in parsed.warnings + (plan.duplicates if plan else []):
        click.echo(f"  warning {problem}", err=True)
    for item in parsed.skipped:
        named = f" ({item.name})" if item.name else ""
        click.echo(f"  skipped {item.location}{named}: {item.reason}")


@click.command("rebuild-stats")
def rebuild_stats() -> None:
    """Recompute daily activity, totals, streaks and badges from the review log."""
    started = time.perf_counter()
    students = db.session.execute(
        sa.select(sa.func.count(sa.distinct(ReviewLog.user_id)))
    ).scalar_one()
    # One transaction, so boards never show half a rebuild; answers sent meanwhile wait.
    with (
        click.progressbar(length=students, label="Rebuilding") as bar,
        write_transaction(),
    ):
        done = gamification.rebuild_all(clock.now(), progress=lambda n: bar.update(n - bar.pos))
    click.echo(
        f"Rebuilt the projections of {done} student(s) in {time.perf_counter() - started:.1f} s."
    )
