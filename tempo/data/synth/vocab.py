"""Object attributes (shapes, colours, sizes, textures) with the words captions may use for each.

The first word of every synonym list is the canonical name used in metadata.
"""
from __future__ import annotations

# Saturated colours, so objects stand out from the muted backgrounds without being trivially segmentable
# (lighting drift and the textured backdrop still change their apparent RGB).
COLOURS = {
    "red": (220, 40, 35),
    "green": (40, 190, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 215, 40),
    "orange": (245, 135, 25),
    "purple": (140, 50, 200),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
    "cyan": (30, 210, 220),
    "pink": (245, 110, 180),
}

COLOUR_WORDS = {
    "red": ["red", "crimson", "scarlet"],
    "green": ["green", "emerald", "grass-green"],
    "blue": ["blue", "azure", "cobalt"],
    "yellow": ["yellow", "golden", "lemon"],
    "orange": ["orange", "amber", "tangerine"],
    "purple": ["purple", "violet", "plum"],
    "white": ["white", "ivory", "snow-white"],
    "black": ["black", "jet-black", "ebony"],
    "cyan": ["cyan", "turquoise", "aqua"],
    "pink": ["pink", "rose", "fuchsia"],
}

SHAPE_WORDS = {
    "circle": ["circle", "disc", "round blob"],
    "square": ["square", "box", "block"],
    "triangle": ["triangle", "three-sided shape", "wedge"],
    "star": ["star", "five-pointed star", "starburst"],
    "hexagon": ["hexagon", "six-sided shape", "honeycomb cell"],
    "diamond": ["diamond", "rhombus", "lozenge"],
    "cross": ["cross", "plus sign", "plus shape"],
    "pentagon": ["pentagon", "five-sided shape", "pentagonal shape"],
}
SHAPES = list(SHAPE_WORDS)

# Size classes by radius as a fraction of min(width, height); grow/shrink move objects across classes.
SIZE_BOUNDS = {"small": (0.045, 0.085), "medium": (0.085, 0.13), "large": (0.13, 0.2)}
SIZE_WORDS = {
    "small": ["small", "little", "tiny"],
    "medium": ["medium-sized", "mid-sized", "average-sized"],
    "large": ["large", "big", "huge"],
}

TEXTURES = ["plain", "striped", "dotted", "checkered"]
TEXTURE_WORDS = {
    "plain": ["plain", "solid", "uniform"],
    "striped": ["striped", "stripy", "banded"],
    "dotted": ["dotted", "spotted", "polka-dot"],
    "checkered": ["checkered", "chequered", "checked"],
}


def size_class(radius: float, min_side: int) -> str:
    """Name of the size class of an object of this radius in pixels."""
    rel = radius / min_side
    if rel < SIZE_BOUNDS["small"][1]:
        return "small"
    if rel < SIZE_BOUNDS["medium"][1]:
        return "medium"
    return "large"
