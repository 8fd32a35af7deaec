"""autograder/plots.py: the notebooks' pictures."""
import matplotlib

matplotlib.use("Agg")

from autograder import plots  # noqa: E402


def test_the_network_picture_labels_each_layer_with_its_sizes():
    fig = plots.draw_network(shape=(64, 1000, 100, 10))
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "N=64" in texts and "D_in=1000" in texts and "H=100" in texts and "D_out=10" in texts
    assert "w1 (D_in, H)" in texts and "w2 (H, D_out)" in texts


def test_loss_curves_are_drawn_on_a_log_scale_one_line_each():
    fig = plots.loss_curves({"numpy": [10.0, 5.0, 1.0], "torch": [9.0, 4.0, 0.5]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["numpy", "torch"]
    assert list(ax.get_lines()[1].get_ydata()) == [9.0, 4.0, 0.5]
