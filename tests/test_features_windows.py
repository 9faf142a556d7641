"""Which frames and seconds each feature covers, in each layout."""
import numpy as np

from tempo.features.windows import centered_windows, detect_windows, ground_windows


def test_detect_windows_follow_the_actionformer_convention():
    plan = detect_windows(n_positions=100, fps=25.0, num_frames=16, stride=4)
    assert len(plan) == (100 - 16) // 4 + 1 == 22
    assert plan.starts[3] == 12 and plan.ends[3] == 28
    centres = plan.spans.mean(axis=1)
    np.testing.assert_allclose(centres, (np.arange(22) * 4 + 8) / 25.0)
    np.testing.assert_array_equal(plan.sampled(3), [12, 16, 20, 24])  # one frame per stride, shared grid
    np.testing.assert_array_equal(plan.clip_positions(0, 8), [0, 2, 4, 6, 8, 10, 12, 14])


def test_short_video_gives_one_window_over_all_frames():
    plan = detect_windows(n_positions=5, fps=10.0, num_frames=16, stride=4)
    assert len(plan) == 1 and plan.ends[0] == 5
    np.testing.assert_array_equal(plan.sampled(0), [0, 4])
    np.testing.assert_array_equal(plan.clip_positions(0, 4), [0, 1, 2, 3])


def test_dense_frame_step_samples_every_frame():
    plan = detect_windows(n_positions=40, fps=10.0, num_frames=8, stride=4, frame_step=1)
    np.testing.assert_array_equal(plan.sampled(1), np.arange(4, 12))


def test_ground_windows_are_two_second_clips():
    times = np.arange(75) / 10.0  # 7.5 s at 10 fps
    plan = ground_windows(times, duration=7.5, clip_len=2.0, frame_step=1)
    assert len(plan) == 4  # ceil(7.5 / 2)
    np.testing.assert_allclose(plan.spans, [[0, 2], [2, 4], [4, 6], [6, 7.5]])
    np.testing.assert_array_equal(plan.starts, [0, 20, 40, 60])
    np.testing.assert_array_equal(plan.ends, [20, 40, 60, 75])


def test_ground_clips_without_frames_borrow_the_nearest():
    times = np.array([0.0, 3.0])  # a frame every 3 s
    plan = ground_windows(times, duration=6.0, clip_len=2.0)
    assert len(plan) == 3
    assert all(plan.ends > plan.starts) and plan.starts.max() <= 1


def test_centered_windows_centre_each_row_and_repeat_edge_frames():
    """Row i stands for positions [4i, 4i+4) and sees the 16-frame window centred on it (the default grounder's
    grid); positions outside the video repeat its first or last frame."""
    plan = centered_windows(n_positions=30, fps=15.0, num_frames=16, stride=4)
    assert len(plan) == 8  # ceil(30 / 4): the tail is covered too
    np.testing.assert_allclose(plan.spans[:2], [[0, 4 / 15], [4 / 15, 8 / 15]])
    np.testing.assert_allclose(plan.spans[-1], [28 / 15, 30 / 15])
    np.testing.assert_allclose((plan.starts + plan.ends) / 2, np.arange(8) * 4 + 2)  # centred on the row
    np.testing.assert_array_equal(plan.clip_positions(0, 8), [0, 0, 0, 0, 2, 4, 6, 8])
    np.testing.assert_array_equal(plan.clip_positions(3, 8), [6, 8, 10, 12, 14, 16, 18, 20])
    np.testing.assert_array_equal(plan.clip_positions(7, 8), [22, 24, 26, 28, 29, 29, 29, 29])
    assert plan.sampled(0).min() == 0 and plan.sampled(7).max() == 29
