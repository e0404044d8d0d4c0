"""The body outline draws every pain site of the body map, marks the patient's, and says them
in words for anyone who cannot see the drawing."""

import re

from django.template import Context, Template

from accounts.models import PainSite
from care.body import SHAPES, site_labels


def render(sites: list[str], picker: bool = False) -> str:
    template = Template("{% load body %}{% body_outline sites picker=picker %}")
    return template.render(Context({"sites": sites, "picker": picker}))


def test_every_site_of_the_body_map_can_be_marked() -> None:
    drawn = {shape.site for shape in SHAPES if shape.site}
    assert drawn == set(PainSite.values)


def test_left_and_right_are_the_patients_own_on_both_figures() -> None:
    # On the front figure the patient's left arm is on the reader's right; on the back, left.
    left_arms = [s for s in SHAPES if s.site == PainSite.LEFT_SHOULDER_ARM]
    front = next(s for s in left_arms if s.x < 120)
    back = next(s for s in left_arms if s.x > 120)
    assert front.x > 60  # right of the front figure's centre line
    assert back.x < 180  # left of the back figure's centre line


def test_the_patients_sites_are_coloured_and_named_in_words() -> None:
    html = render(["lower_back", "left_buttock_leg"])
    marked = re.findall(r'class="region on" data-site="([a-z_]+)"', html)
    assert set(marked) == {"lower_back", "left_buttock_leg"}
    assert 'aria-label="Pain sites: Lower back, Left buttock or leg"' in html
    assert "<figcaption>Lower back, Left buttock or leg</figcaption>" in html
    assert "lower_back</" not in html
    assert "['" not in html


def test_no_sites_says_so() -> None:
    assert "No pain sites marked." in render([])


def test_the_picker_leaves_the_words_to_its_checkboxes() -> None:
    html = render(["neck"], picker=True)
    assert 'aria-hidden="true"' in html
    assert "figcaption" not in html
    assert 'class="region on" data-site="neck"' in html


def test_labels_follow_the_body_maps_order() -> None:
    assert site_labels(["right_foot", "neck"]) == ["Neck", "Right foot"]
