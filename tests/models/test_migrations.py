"""Applying the Alembic revisions gives exactly the schema the models describe."""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from qbank import PROJECT_ROOT, create_app
from qbank.extensions import db
from qbank.services.seed import seed_demo


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


KEPT_TABLES = ["users", "memberships", "cohorts", "question_sets", "questions", "enrollments"]


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in KEPT_TABLES}


def test_upgrading_a_database_with_data_keeps_every_row(tmp_path):
    # Rebuilding the users table (SQLite batch mode) must not trip or cascade its keys.
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
            seed_demo(
                PROJECT_ROOT / "seeds",
                datetime(2026, 11, 1, tzinfo=UTC),
                app.extensions["qbank_media"],
                history_days=0,  # answers need 0004's goal history; accounts and sets do not
            )
            db.session.commit()
            tables = [
                "users",
                "memberships",
                "cohorts",
                "question_sets",
                "questions",
                "enrollments",
            ]

            def counts():
                with db.engine.connect() as conn:
                    return {
                        t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                        for t in tables
                    }

            before = counts()
            assert before["users"] >= 4 and before["memberships"] >= 7 and before["questions"] >= 80
            upgrade()
            assert row_counts() == before
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            db.engine.dispose()
