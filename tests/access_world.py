"""A small world for access tests: sets shared three ways, a cohort, and who relates how.

- ``owner`` (faculty) owns a set shared with the cohort, a public set and a private set;
  the cohort invited them.
- ``rep`` runs the cohort; ``member`` is in it; ``former`` was in it, studied, and was
  removed; ``outsider`` is in no cohort and studies the public set; ``other_faculty`` and
  ``admin`` have no part in it.
- ``member`` and ``former`` have each answered the first question of the cohort's set, which
  shows an image; ``member`` reported it, and is signed in on a phone; ``owner`` has an
  upload waiting for confirmation; ``member`` has a practice block of the public set in
  progress; the rep assigned the cohort's set to the cohort, and ``owner`` set the
  cohort a block from it (``assignment``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from qbank.clock import FrozenClock
from qbank.domain import practice as practice_rules
from qbank.extensions import db
from qbank.models import (
    BlockAssignment,
    Cohort,
    ImportUpload,
    MediaFile,
    PracticeBlock,
    Question,
    QuestionReport,
    QuestionSet,
    ReviewLog,
    Role,
    User,
    UserSession,
    Visibility,
)
from qbank.services import cohorts, enrollment, imports, practice, reports, sessions, study
from qbank.services import question_bank as bank
from qbank.services.media import MediaStore, media_url, store_media
from qbank.services.practice import assignments
from tests.bank_helpers import json_question, qbank_json_file, sba, tiny_png

SECRET = "access-world-secret"
RELATIONS = ("owner", "other_faculty", "admin", "rep", "member", "former", "outsider")


@dataclass
class World:
    users: dict[str, User]
    cohort: Cohort
    cohort_set: QuestionSet
    public_set: QuestionSet
    private_set: QuestionSet
    media: dict[str, MediaFile]  # the image in each set's first question, by set
    reviews: dict[str, ReviewLog] = field(default_factory=dict)
    report: QuestionReport | None = None
    upload: ImportUpload | None = None
    join_code: str = ""  # as it was built, before any test rotates it
    member_phone: UserSession | None = None  # a device the member is signed in on
    member_block: PracticeBlock | None = None  # the member's practice block, in progress
    assignment: BlockAssignment | None = None  # a block the owner set for the cohort

    QUESTIONS_PER_SET = 2

    def question(self, question_set: QuestionSet, n: int = 0) -> Question:
        return question_set.questions[n]

    @property
    def ids(self) -> dict[str, object]:
        """Every object's id by name, for URL templates like ``/study/cards/{cohort_q}``."""
        return {
            "cohort_set": self.cohort_set.id,
            "public_set": self.public_set.id,
            "private_set": self.private_set.id,
            "cohort_q": self.question(self.cohort_set).id,
            "public_q": self.question(self.public_set).id,
            "private_q": self.question(self.private_set).id,
            "cohort": self.cohort.id,
            "member_review": self.reviews["member"].id,
            "former_review": self.reviews["former"].id,
            "report": self.report.id,
            "upload": self.upload.token,
            "cohort_media": self.media["cohort"].sha256,
            "public_media": self.media["public"].sha256,
            "private_media": self.media["private"].sha256,
            "member_id": self.users["member"].id,
            "join_code": self.cohort.join_code,
            "member_phone": self.member_phone.id,
            "member_block": self.member_block.id,
            "assignment": self.assignment.id,
        }


def answer(user: User, question: Question, clock: FrozenClock) -> ReviewLog:
    """Answer a question right through the study service, as the study page would."""
    token = study.card_view(user, question.id, clock.now(), SECRET).token
    log, _ = study.record_answer(user, question.id, token, ["A"], None, 5000, clock.now(), SECRET)
    return log


def build_world(create_user, clock: FrozenClock, store: MediaStore) -> World:
    now = clock.now()
    users = {
        "owner": create_user(role=Role.FACULTY, email="owner@example.edu", display_name="Owen"),
        "other_faculty": create_user(role=Role.FACULTY, email="other@example.edu"),
        "admin": create_user(role=Role.ADMIN, email="admin@example.edu"),
        "rep": create_user(email="rep@example.edu", display_name="Riley Rep"),
        "member": create_user(email="member@example.edu", display_name="Mo Member"),
        "former": create_user(email="former@example.edu", display_name="Fay Former"),
        "outsider": create_user(email="outsider@example.edu", display_name="Oli Outsider"),
    }
    owner = users["owner"]
    cohort = cohorts.create_cohort("Year 2", users["rep"], "UTC", now)
    cohorts.add_member(cohort, users["member"], now)
    cohorts.add_member(cohort, users["former"], now)
    cohorts.add_faculty(cohort, owner, users["rep"], now)

    sets, images = {}, {}
    for colour, (title, visibility) in enumerate(
        (
            ("Cohort set", Visibility.COHORTS),
            ("Public set", Visibility.PUBLIC),
            ("Private set", Visibility.PRIVATE),
        )
    ):
        image = store_media(store, tiny_png(colour), owner, now)
        images[visibility.value if visibility != Visibility.COHORTS else "cohort"] = image
        question_set = bank.create_set(owner, title, "", now)
        for n in range(World.QUESTIONS_PER_SET):
            stem = f"{title} question {n}"
            if n == 0:
                stem += f"\n\n![scan]({media_url(image.sha256)})"
            draft = sba(n, stem=stem)
            bank.save_question(
                question_set, draft, owner, now, media=bank.media_used_by(draft, owner)
            )
        bank.publish_set(question_set, True, now)
        cohort_ids = [cohort.id] if visibility == Visibility.COHORTS else []
        bank.update_set(question_set, title, "", visibility, cohort_ids, owner, now)
        sets[visibility] = question_set
    for user in (users["member"], users["outsider"]):
        enrollment.enroll(user, sets[Visibility.PUBLIC], now)
    world = World(
        users=users,
        cohort=cohort,
        cohort_set=sets[Visibility.COHORTS],
        public_set=sets[Visibility.PUBLIC],
        private_set=sets[Visibility.PRIVATE],
        media=images,
        join_code=cohort.join_code,
    )
    first = world.question(world.cohort_set)
    for name in ("member", "former"):
        world.reviews[name] = answer(users[name], first, clock)
    world.report = reports.report_question(users["member"], first.id, "typo", "", now)
    cohorts.remove_member(cohort, users["former"].id, users["rep"], now)
    world.member_phone = sessions.start_session(
        users["member"], now, timedelta(days=1), False, "Phone"
    ).session
    world.member_block = practice.build(
        users["member"], practice.Request(set_ids=(world.public_set.id,), size=2), now, seed=1
    )
    cohorts.assign_set(cohort, world.cohort_set, users["rep"], now)
    world.assignment = assignments.assign(
        owner,
        cohort,
        assignments.Spec(
            title="Week 1",
            set_id=world.cohort_set.id,
            question_ids=tuple(q.id for q in world.cohort_set.questions),
            mode=practice_rules.Mode.TIMED,
            seconds_per_question=90,
            due_on=(now + timedelta(days=7)).date(),
        ),
        now,
    )
    world.upload = imports.stash_upload(
        owner, "more.json", qbank_json_file([json_question(1)]), None, None, "More", now
    )
    db.session.commit()
    return world
