"""Applying the Alembic revisions gives exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from qbank import create_app
from qbank.extensions import db
from qbank.models import User
from qbank.services import access


def _fresh_app(database_url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}, environ={})


def test_migrations_match_the_models(_schema, tmp_path):
    # Migrate into a database of our own: the session one was built by create_all.
    if _schema.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        cleanup = None
    else:
        schema = f"migrated_{tmp_path.name[-20:].replace('-', '_').lower()}"
        admin = sa.create_engine(_schema)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = (
            sa.engine.make_url(_schema)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )

        def cleanup():
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    app = _fresh_app(url)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "render_as_batch": True}
                )
                assert compare_metadata(context, db.metadata) == []
            downgrade(revision="base")
            assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
            db.engine.dispose()
    finally:
        if cleanup:
            cleanup()


KEPT_TABLES = [
    "users",
    "memberships",
    "cohorts",
    "question_sets",
    "questions",
    "enrollments",
    "cohort_sets",
    "media_files",
]


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in KEPT_TABLES}


OLD_ROWS = [
    # Written with the schema of revision 0003, as an installation of that time had them.
    "INSERT INTO users (id, email, display_name, password_hash, login_id, role,"
    " is_active_account, created_at, timezone, timezone_confirmed, rollover_hour,"
    " desired_retention, new_cards_per_day, max_reviews_per_day, confirm_rating,"
    " daily_goal, daily_goal_answers) VALUES"
    " (1, 'fac@example.edu', 'Fac', 'x', 'l1', 'faculty', 1, '2026-11-01 00:00:00', 'UTC', 0,"
    " 4, 0.9, 20, 200, 0, 'all_due', 20),"
    " (2, 'rep@example.edu', 'Rep', 'x', 'l2', 'student', 1, '2026-11-01 00:00:00', 'UTC', 0,"
    " 4, 0.9, 20, 200, 0, 'all_due', 20),"
    " (3, 'member@example.edu', 'Member', 'x', 'l3', 'student', 1, '2026-11-01 00:00:00',"
    " 'UTC', 0, 4, 0.9, 20, 200, 0, 'all_due', 20)",
    "INSERT INTO cohorts (id, name, join_code, timezone, created_at, board_window,"
    " board_metric, accuracy_min_answers, anonymous, board_view) VALUES"
    " (1, 'Year 2', 'ABCDEFGH', 'UTC', '2026-11-01 00:00:00', 'week', 'xp', 50, 0, 'full')",
    "INSERT INTO memberships (id, cohort_id, user_id, role, joined_at, show_on_leaderboard)"
    " VALUES (1, 1, 2, 'rep', '2026-11-01 00:00:00', 1),"
    " (2, 1, 3, 'member', '2026-11-01 00:00:00', 1)",
    "INSERT INTO question_sets (id, owner_id, title, description, visibility, published,"
    " created_at, updated_at) VALUES"
    " (1, 1, 'Cohort only', '', 'cohorts', 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00'),"
    " (2, 1, 'Everyone', '', 'public', 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    "INSERT INTO questions (id, set_id, position, current_version, created_at) VALUES"
    " (1, 1, 0, 1, '2026-11-01 00:00:00'), (2, 2, 0, 1, '2026-11-01 00:00:00')",
    "INSERT INTO enrollments (id, user_id, set_id, enrolled_at) VALUES"
    " (1, 3, 1, '2026-11-01 00:00:00'), (2, 3, 2, '2026-11-01 00:00:00')",
    "INSERT INTO cohort_sets (cohort_id, set_id) VALUES (1, 1), (1, 2)",
    "INSERT INTO media_files (id, sha256, content_type, size, created_at, uploaded_by_id)"
    " VALUES (1, '" + "a" * 64 + "', 'image/png', 10, '2026-11-01 00:00:00', 1)",
]


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    # Rebuilding tables (SQLite batch mode) must not trip or cascade their keys; what an
    # assignment opened before 0006 stays open, and each owner still follows the cohort.
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
            "QBANK_MEDIA_DIR": str(tmp_path / "media"),
        },
        environ={},
    )
    with app.app_context():
        try:
            upgrade(revision="0003")
            with db.engine.begin() as conn:
                for statement in OLD_ROWS:
                    conn.execute(sa.text(statement))
            before = row_counts()
            upgrade()
            assert row_counts() == before
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                shares = conn.execute(sa.text("SELECT set_id, cohort_id FROM set_shares")).all()
                faculty = conn.execute(
                    sa.text("SELECT cohort_id, user_id FROM cohort_faculty")
                ).all()
                uploads = conn.execute(sa.text("SELECT media_id, user_id FROM media_uploads")).all()
            assert shares == [(1, 1)]  # the public set needs no share
            assert faculty == [(1, 1)]
            assert uploads == [(1, 1)]
            member = db.session.get(User, 3)
            assert access.can_study(member, 1) and access.can_study(member, 2)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_downgrading_past_the_sessions_gives_every_user_a_login_id_again(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.sqlite3'}"},
        environ={},
    )
    with app.app_context():
        try:
            upgrade(revision="0003")
            with db.engine.begin() as conn:
                for statement in OLD_ROWS:
                    conn.execute(sa.text(statement))
            upgrade()
            before = row_counts()
            downgrade(revision="0005")
            assert row_counts() == before
            with db.engine.connect() as conn:
                login_ids = conn.exec_driver_sql("SELECT login_id FROM users").scalars().all()
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert len(set(login_ids)) == len(login_ids) == before["users"] and all(login_ids)
            upgrade()
            assert row_counts() == before
        finally:
            db.session.remove()
            db.engine.dispose()


def test_upgrading_to_study_days_keeps_each_card_due_on_the_day_it_was(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'days.sqlite3'}"},
        environ={},
    )
    with app.app_context():
        try:
            upgrade(revision="0007")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, email, display_name, password_hash, role,"
                        " is_active_account, created_at, timezone, timezone_confirmed,"
                        " rollover_hour, desired_retention, new_cards_per_day,"
                        " max_reviews_per_day, confirm_rating, daily_goal, daily_goal_answers)"
                        " VALUES (1, 'fac@example.edu', 'Fac', 'x', 'faculty', 1,"
                        " '2026-11-01 00:00:00', 'UTC', 0, 4, 0.9, 20, 200, 0, 'all_due', 20),"
                        " (3, 'member@example.edu', 'Member', 'x', 'student', 1,"
                        " '2026-11-01 00:00:00', 'America/New_York', 1, 4, 0.9, 20, 200, 0,"
                        " 'all_due', 20)"
                    )
                )
                conn.execute(sa.text(OLD_ROWS[3]))
                conn.execute(sa.text(OLD_ROWS[4]))
                # Reviewed at 23:30 in New York on 1 December (04:30 UTC on the 2nd): a
                # review card due 5 days later, and a card in a learning step.
                conn.execute(
                    sa.text(
                        "INSERT INTO card_states (id, user_id, question_id, state, step, stability,"
                        " difficulty, due, last_review, reps, lapses, suspended, flagged) VALUES"
                        " (1, 3, 1, 2, NULL, 5.0, 5.0, '2026-12-07 04:30:00',"
                        " '2026-12-02 04:30:00', 3, 0, 0, 0),"
                        " (2, 3, 2, 1, 1, 1.0, 5.0, '2026-12-02 04:40:00',"
                        " '2026-12-02 04:30:00', 1, 0, 0, 0)"
                    )
                )
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT id, due_day, last_review_day FROM card_states ORDER BY id")
                ).all()
                waits = conn.execute(sa.text("SELECT new_cards_wait_for_reviews FROM users")).all()
            assert [tuple(map(str, row)) for row in rows] == [
                ("1", "2026-12-06", "2026-12-01"),  # 5 study days after 1 December
                ("2", "None", "2026-12-01"),
            ]
            assert waits == [(1,), (1,)]
        finally:
            db.session.remove()
            db.engine.dispose()
