"""Which line drawing an exercise step shows above its instructions.

The drawings (patients/static/patients/poses/*.svg) are simple original stick figures: they
show the starting position only and are hidden from screen readers, since the step's text
carries the meaning. A step not listed here gets the neutral standing figure.
"""

DEFAULT = "stretch"
POSES = frozenset({"walking", "knee-to-chest", "pelvic-tilt", "bridge", "cat-camel", "seated"})
BY_STEP = {
    "graded-walking": "walking",
    "walking-build-up": "walking",
    "knee-to-chest": "knee-to-chest",
    "pelvic-tilts": "pelvic-tilt",
    "knee-rolls": "pelvic-tilt",
    "bridging": "bridge",
    "cat-and-camel": "cat-camel",
    "arm-and-leg-reach": "cat-camel",
    "seated-twist": "seated",
    "sit-to-stand": "seated",
    "neck-and-shoulder-loosener": "seated",
    "arm-nerve-glide": "seated",
    "sciatic-nerve-glide": "seated",
}


def illustration(slug: str) -> str:
    """The drawing's name for the step `slug` (the neutral default when it has none)."""
    return BY_STEP.get(slug, DEFAULT)
