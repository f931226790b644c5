"""Faculty uploads a GIFT file with a fault, fixes it, previews and publishes."""

import pytest
from playwright.sync_api import expect

from qbank.models import Role
from tests.e2e.support import log_in, screenshot

pytestmark = pytest.mark.e2e

FAULTY = """$CATEGORY: $course$/top/Cardiology

::Murmur::A 72-year-old man has exertional syncope and a crescendo-decrescendo
systolic murmur radiating to the carotids. Which lesion is most likely? {
=Aortic stenosis#Classic triad of angina, syncope and dyspnoea.
~Mitral regurgitation#Holosystolic at the apex.
~Hypertrophic cardiomyopathy#Murmur falls with squatting.
####Calcific aortic stenosis is the commonest valve lesion in older adults.
}

::Digoxin::Which drug inhibits the Na+/K+ ATPase? {
~Amiodarone
~Verapamil
~Digoxin
}
"""
FIXED = FAULTY.replace("~Digoxin\n}", "=Digoxin\n}")


def test_faculty_fixes_a_faulty_gift_file_then_publishes(page, make_account, tmp_path):
    email, password = make_account(Role.FACULTY)
    log_in(page, email, password)
    page.get_by_role("link", name="Question sets").click()
    page.get_by_role("link", name="Import a file").click()

    faulty = tmp_path / "cardio.gift"
    faulty.write_text(FAULTY)
    page.get_by_label("Question file").set_input_files(str(faulty))
    page.get_by_label("Title of the new set").fill("Cardiology quiz")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="1 problem to fix — nothing was saved")).to_be_visible()
    expect(page.get_by_text("no option is marked correct", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    screenshot(page, "import-error")

    fixed = tmp_path / "cardio-fixed.gift"
    fixed.write_text(FIXED)
    page.get_by_role("link", name="Upload another file").click()
    page.get_by_label("Question file").set_input_files(str(fixed))
    page.get_by_label("Title of the new set").fill("Cardiology quiz")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text("2 single best answer")).to_be_visible()
    expect(page.get_by_text("Calcific aortic stenosis is the commonest").first).to_be_visible()
    screenshot(page, "import-report")
    page.get_by_role("button", name="Import 2 questions").click()

    expect(page.get_by_text("Imported: 2 new, 0 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_role("heading", name="Cardiology quiz")).to_be_visible()
    page.get_by_role("link", name="exertional syncope", exact=False).click()
    expect(page.get_by_text("Correct answer")).to_be_visible()
    screenshot(page, "question-preview")
    page.get_by_role("link", name="Cardiology quiz").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published, but the set is private")).to_be_visible()
    page.locator("#content").get_by_role("link", name="Settings").click()
    page.get_by_label("Who can study it").select_option("public")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("everyone on this server")).to_be_visible()
    screenshot(page, "set-published")
