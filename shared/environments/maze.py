"""A partially observable grid maze in numpy, batched.

``GridMaze``: a maze of free cells and walls drawn as text, B agents at once, actions N, E, S, W
(a move into a wall leaves the agent where it is); an observation per cell, by default the wall
bits of its four neighbours (16 codes), or any code per cell (e.g. a paper's). Many cells share an
observation: the maze is a POMDP.
"""

from __future__ import annotations

import numpy as np

MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])      # N, E, S, W as (row, column) steps
ACTION_NAMES = ("N", "E", "S", "W")


class GridMaze:
    """A maze drawn as rows of text: '#' a wall, anything else a free cell; letters mark cells by
    name (e.g. 'S' start, 'G' goal: ``cell_of("G")``). The border must be walls. Cells are numbered
    row-major over the free cells; ``position`` (B,) holds cell numbers.

    ``observations``: None for the wall-bit code of each cell (bit a set when the neighbour in
    direction a = N, E, S, W is a wall: 16 codes, 0..15), or one integer per free cell (row-major),
    e.g. a paper's own observation labels."""

    def __init__(self, layout: list[str], observations=None):
        rows = {len(r) for r in layout}
        if len(rows) != 1:
            raise ValueError("every row of the layout must have the same length")
        self.layout = [str(r) for r in layout]
        grid = np.array([list(r) for r in self.layout])
        self.walls = grid == "#"
        if not (self.walls[0].all() and self.walls[-1].all() and self.walls[:, 0].all() and self.walls[:, -1].all()):
            raise ValueError("the maze's border must be walls")
        self.coords = np.argwhere(~self.walls)                          # (cells, 2) row-major
        index = -np.ones(self.walls.shape, int)
        index[~self.walls] = np.arange(len(self.coords))
        self.index = index
        self.marks = {ch: int(index[r, c]) for (r, c), ch in np.ndenumerate(grid) if ch.isalpha()}
        neighbours = self.coords[:, None, :] + MOVES[None]             # (cells, 4, 2)
        target = index[neighbours[..., 0], neighbours[..., 1]]
        self.next_cell = np.where(target >= 0, target, np.arange(len(self.coords))[:, None])   # (cells, 4)
        wall_bits = (target < 0).astype(int) @ (1 << np.arange(4))
        if observations is None:
            self.observation_of = wall_bits
        else:
            self.observation_of = np.asarray(observations, dtype=int)
            if self.observation_of.shape != (len(self.coords),):
                raise ValueError(f"need one observation per free cell ({len(self.coords)}), got "
                                 f"{self.observation_of.shape}")

    @property
    def n_cells(self) -> int:
        return len(self.coords)

    @property
    def n_observations(self) -> int:
        return int(self.observation_of.max()) + 1

    def cell_of(self, mark: str) -> int:
        return self.marks[mark]

    def step(self, position: np.ndarray, action: np.ndarray) -> np.ndarray:
        """(B,) cells after (B,) actions 0..3 = N, E, S, W; into a wall: stay."""
        return self.next_cell[np.asarray(position), np.asarray(action)]

    def observe(self, position: np.ndarray) -> np.ndarray:
        """(B,) observation codes of the cells."""
        return self.observation_of[np.asarray(position)]

    def distances(self, goal: int) -> np.ndarray:
        """(cells,) shortest number of moves from every cell to ``goal`` (breadth-first; -1 if unreachable)."""
        dist = -np.ones(self.n_cells, int)
        dist[goal], frontier, d = 0, [goal], 0
        while frontier:
            d += 1
            reached = {int(c) for f in frontier for c in np.flatnonzero((self.next_cell == f).any(axis=1))}
            frontier = [c for c in reached if dist[c] < 0]
            dist[frontier] = d
        return dist
