"""The notebooks' pictures: the network itself, and loss curves on a log scale.

Labels are in English only: a CJK font is not on every student's machine.
"""
import matplotlib.pyplot as plt


def draw_network(shape=(64, 1000, 100, 10), shown=(5, 4, 3)):
    """Draw x -> relu(x @ w1) -> y_pred as three columns of units, with the sizes as labels."""
    n, d_in, h, d_out = shape
    fig, ax = plt.subplots(figsize=(7, 3.2))
    layers = [(f"x\n(N={n}, D_in={d_in})", shown[0]), (f"h_relu = max(x·w1, 0)\n(N, H={h})", shown[1]),
              (f"y_pred = h_relu·w2\n(N, D_out={d_out})", shown[2])]
    positions = []
    for col, (label, units) in enumerate(layers):
        ys = [(i - (units - 1) / 2) for i in range(units)]
        positions.append([(col * 3, y) for y in ys])
        ax.scatter([col * 3] * units, ys, s=500, c=["#cfe2f3", "#fce5cd", "#d9ead3"][col], edgecolors="black", zorder=3)
        ax.text(col * 3, -3.2, label, ha="center", va="top", fontsize=9)
    for left, right, name in ((positions[0], positions[1], "w1 (D_in, H)"), (positions[1], positions[2], "w2 (H, D_out)")):
        for a in left:
            for b in right:
                ax.plot([a[0], b[0]], [a[1], b[1]], color="grey", lw=0.6, zorder=1)
        ax.text((left[0][0] + right[0][0]) / 2, 2.8, name, ha="center", fontsize=9)
    ax.set_xlim(-1.5, 7.5)
    ax.set_ylim(-4.6, 3.3)
    ax.axis("off")
    ax.set_title("two-layer ReLU net, no bias", fontsize=10)
    return fig


def loss_curves(curves, title="training loss"):
    """Plot {label: [loss per iteration]} on a log scale."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, losses in curves.items():
        ax.plot(range(len(losses)), losses, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    return fig
