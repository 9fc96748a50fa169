"""The README's kernel-zoo table, from one run's JSON (`peers.py --zoo --json FILE`).

    python3 peers/zoo_table.py peers/zoo_last_run.json

One row per workload: ndkernel's spellings (`_into` forms, in the order the runner times
them), the strongest peer (the fastest row that is neither ndkernel nor the bandwidth
floor), the ratio of its time to ndkernel's first spelling (the best spelling's ratio in
brackets where it differs), and the floor. Below the table, the fraction of its floor
each memory-bound workload reaches with its best spelling.
"""

import json
import re
import sys

# Workloads in the README's order, with how the table names them.
WORKLOADS = {
    "zoo_life_u8": "Game of Life, u8 2000², wrap",
    "zoo_erode3_u8": "3x3 erode, u8 2000²",
    "zoo_dilate5_u8": "5x5 dilate, u8 2000²",
    "zoo_median3_u8": "3x3 median, u8 2000²",
    "zoo_blur5_f32": "5x5 binomial, f32 2000², reflect",
    "zoo_binom7_f32": "7x7 binomial, f32 2000², reflect",
    "zoo_blur7_f64": "7x7 disk, f64 1000²",
    "zoo_box15_f32": "15x15 box, f32 2000²",
    "zoo_box31_u8": "31x31 box, u8 2000²",
    "zoo_box101_f32": "101x101 box, f32 2000²",
    "zoo_box3d_f32": "5x5x5 box, f32 128x256²",
    "zoo_sobel_u8_f32": "Sobel magnitude, u8 → f32 2000²",
    "zoo_lap3d_f32": "7-point Laplacian, f32 256³",
    "zoo_diffuse2_f64": "diffusion, two inputs, f64 2000²",
    "zoo_logistic_f32": "logistic, f32 1e7",
    "zoo_gauss_f64": "Gaussian, f64 1e7",
    "zoo_sincos_f32": "`sin(x) cos(y)`, f32 1e7",
    "zoo_rownorm_f64": "row norms `(n)->()`, 2e6 x 8",
    "zoo_cross3_f64": "cross products `(3),(3)->(3)`, 1e6",
    "zoo_mat4vec_f32": "4x4 matrix-vector, f32 1e6",
}

# Workloads whose time is memory traffic more than arithmetic: their floor is the bound.
MEMORY_BOUND = {
    "zoo_cross3_f64": "cross products",
    "zoo_diffuse2_f64": "diffusion",
    "zoo_rownorm_f64": "row norms",
    "zoo_logistic_f32": "logistic",
    "zoo_lap3d_f32": "the Laplacian",
}

# How a peer's row is named in the table: the first pattern that matches its system.
PEERS = [
    (r"^numba prange", "Numba prange"),
    (r"^numba @", "Numba"),
    (r"^cv2\.(\w+)", "OpenCV `{}`"),
    (r"^halide", "Halide"),
    (r"^numpy", "NumPy"),
    (r"^scipy[.\w]*\.(\w+)", "SciPy `{}`"),
    (r"^scipy (\w+)", "SciPy `{}`"),
]


def peer_name(system: str) -> str:
    for pattern, name in PEERS:
        match = re.search(pattern, system)
        if match:
            return name.format(*match.groups())
    return system


def ms(seconds: float) -> str:
    value = seconds * 1e3
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def spelling(system: str) -> str:
    """`ndkernel (loops) dilate5_into (2 thr)` -> `loops`; a single spelling -> ``."""
    match = re.match(r"ndkernel \((.*)\) \w+ \(\d+ thr\)$", system)
    return match.group(1) if match else ""


def table(rows: list[dict]) -> tuple[list[str], list[str]]:
    lines = [
        "| workload | ndkernel (spellings) | strongest peer | its time | ratio | floor |",
        "|---|---|---|---|---|---|",
    ]
    floors = []
    for workload, title in WORKLOADS.items():
        mine = [r for r in rows if r["workload"] == workload]
        if not mine:
            continue
        ours = [
            r
            for r in mine
            if r["system"].startswith("ndkernel") and "(allocates)" not in r["system"]
        ]
        floor = next(r for r in mine if r["system"].startswith("bandwidth floor"))
        peers = [
            r
            for r in mine
            if not r["system"].startswith(("ndkernel", "bandwidth floor"))
        ]
        strongest = min(peers, key=lambda r: r["seconds"])
        spellings = "; ".join(
            f"{spelling(r['system'])} {ms(r['seconds'])}".strip() for r in ours
        ).replace("|", "\\|")
        first = strongest["seconds"] / ours[0]["seconds"]
        best_row = min(ours, key=lambda r: r["seconds"])
        best = strongest["seconds"] / best_row["seconds"]
        ratio = f"{first:.2f}x" + (f" ({best:.2f}x)" if f"{best:.2f}" != f"{first:.2f}" else "")
        lines.append(
            f"| {title} | {spellings} | {peer_name(strongest['system'])} | "
            f"{ms(strongest['seconds'])} | {ratio} | {ms(floor['seconds'])} |"
        )
        if workload in MEMORY_BOUND:
            floors.append(
                (floor["seconds"] / best_row["seconds"], MEMORY_BOUND[workload])
            )
    floors.sort(reverse=True)
    return lines, [f"{name} {100 * share:.0f}%" for share, name in floors]


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "peers/zoo_last_run.json"
    with open(path) as f:
        rows = json.load(f)["rows"]
    lines, floors = table(rows)
    print("\n".join(lines))
    print()
    print("Fraction of the floor, best spelling: " + ", ".join(floors) + ".")


if __name__ == "__main__":
    main()
