"""The body outline: where each pain site (CLINICAL.md's body map) sits on a front and a back
figure, for the patient record, the pre-visit summary and the enrollment picker.

One table of shapes, so the record and the picker draw the same body. The figures face the
reader: on the front figure the patient's right side is on the reader's left, on the back
figure it is on the reader's right, as on a paper body chart.
"""

from dataclasses import dataclass

from accounts.models import PainSite

FRONT, BACK = 60, 180  # each figure's centre line in the 240 × 250 drawing


@dataclass(frozen=True)
class Shape:
    site: str  # a PainSite value, or "" for the outline only (the back of the head)
    kind: str  # "rect" or "ellipse"
    x: float  # rect: left edge; ellipse: centre
    y: float  # rect: top edge; ellipse: centre
    w: float  # rect: width; ellipse: x radius
    h: float  # rect: height; ellipse: y radius


def _figure(centre: float, *, front: bool) -> list[Shape]:
    # The patient's right is on the reader's left when the figure faces the reader.
    near, far = ("right", "left") if front else ("left", "right")
    c = centre
    shapes = [
        Shape(PainSite.HEAD_FACE if front else "", "ellipse", c, 20, 12, 15),
        Shape(PainSite.NECK, "rect", c - 6, 35, 12, 9),
        *(
            [Shape(PainSite.TRUNK_CHEST, "rect", c - 20, 44, 40, 56)]
            if front
            else [
                Shape(PainSite.UPPER_BACK, "rect", c - 20, 44, 40, 30),
                Shape(PainSite.LOWER_BACK, "rect", c - 20, 74, 40, 26),
            ]
        ),
        Shape(f"{near}_shoulder_arm", "rect", c - 33, 46, 12, 62),
        Shape(f"{far}_shoulder_arm", "rect", c + 21, 46, 12, 62),
        Shape(f"{near}_hand", "ellipse", c - 27, 116, 6, 8),
        Shape(f"{far}_hand", "ellipse", c + 27, 116, 6, 8),
        Shape(f"{near}_buttock_leg", "rect", c - 19, 101, 18, 112),
        Shape(f"{far}_buttock_leg", "rect", c + 1, 101, 18, 112),
        Shape(f"{near}_foot", "ellipse", c - 11, 220, 9, 5),
        Shape(f"{far}_foot", "ellipse", c + 11, 220, 9, 5),
    ]
    return shapes


SHAPES: list[Shape] = [*_figure(FRONT, front=True), *_figure(BACK, front=False)]
DRAWING = {
    "width": 240,
    "height": 250,
    "front": FRONT,
    "back": BACK,
    # The patient's sides, under each figure.
    "front_right": FRONT - 36,
    "front_left": FRONT + 30,
    "back_left": BACK - 36,
    "back_right": BACK + 30,
}


@dataclass(frozen=True)
class Region:
    shape: Shape
    label: str
    on: bool


def body_regions(selected: list[str] | None) -> list[Region]:
    """Every shape with its site's label and whether the patient marked it."""
    chosen = set(selected or [])
    labels = dict(PainSite.choices)
    return [
        Region(shape, labels.get(shape.site, ""), bool(shape.site) and shape.site in chosen)
        for shape in SHAPES
    ]


def site_labels(selected: list[str] | None) -> list[str]:
    """The marked sites in words, in the body map's order (never the stored keys)."""
    chosen = set(selected or [])
    return [label for value, label in PainSite.choices if value in chosen]
