"""The reference solutions agree with the closed-form values of the handout."""
import math

import pytest
import torch

from reference import autograd as ag
from reference import linreg as lr

P1_X = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
P1_Y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
Q1_X = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5,
                     16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
Q1_Y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0,
                     14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])


class TestAutogradReference:
    """Each exercise of the autograd lab, by hand and by autograd, against its formula."""

    def test_sigmoid_gradient_at_two(self):
        assert ag.grad_sigmoid_manual(2.0) == pytest.approx(0.1049935854, rel=1e-9)

    @pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 1.7])
    def test_sigmoid_gradient_is_s_times_one_minus_s(self, x):
        s = 1 / (1 + math.exp(-x))
        assert ag.grad_sigmoid_manual(x) == pytest.approx(s * (1 - s))

    @pytest.mark.parametrize("a,b", [(2.0, 1.0), (-1.5, 0.3)])
    def test_dz_da_is_4_plus_30a(self, a, b):
        assert ag.dz_da_manual(a, b) == pytest.approx(4 + 30 * a)
        assert ag.dz_da_autograd(a, b) == pytest.approx(4 + 30 * a)

    @pytest.mark.parametrize("x,w,b,expected", [(1.5, 2.0, 0.5, 1.5), (1.5, -2.0, 0.5, 0.0)])
    def test_relu_neuron_gradient_is_x_or_zero(self, x, w, b, expected):
        assert ag.relu_da_dw_manual(x, w, b) == expected
        assert ag.relu_da_dw_autograd(x, w, b) == pytest.approx(expected)

    def test_sigmoid_neuron_gradient(self):
        s = 1 / (1 + math.exp(-(2.0 * 1.5 + 0.5)))
        assert ag.sigmoid_da_dw_manual(1.5, 2.0, 0.5) == pytest.approx(s * (1 - s) * 1.5)
        assert ag.sigmoid_da_dw_autograd(1.5, 2.0, 0.5) == pytest.approx(s * (1 - s) * 1.5)

    @pytest.mark.parametrize("x", [-1.0, 0.0, 1.0])
    def test_exp_gradient(self, x):
        expected = math.exp(-x * x - 2 * x - math.sin(x)) * (-2 * x - 2 - math.cos(x))
        assert ag.exp_df_dx_manual(x) == pytest.approx(expected)
        assert ag.exp_df_dx_autograd(x) == pytest.approx(expected)

    def test_polynomial_gradient_is_326_at_two(self):
        assert ag.poly_dy_dx_manual(2.0) == 326
        assert ag.poly_dy_dx_autograd(2.0) == pytest.approx(326)

    def test_tanhlog_forward_and_gradients(self):
        a, b, c, d, e, f = ag.tanhlog_forward(1.0, 1.0, 1.0)
        assert (a, b) == (2.0, pytest.approx(math.sin(1.0)))
        assert f == pytest.approx(math.tanh(math.log(1 + 2 / math.sin(1.0))))
        manual = ag.tanhlog_grad_manual(1.0, 1.0, 1.0)
        common = (1 - math.tanh(e) ** 2) / (d + 1)
        assert manual[1] == pytest.approx(common * 1.0 * (-a / b**2) * math.cos(1.0))
        assert ag.tanhlog_grad_autograd(1.0, 1.0, 1.0) == pytest.approx(manual)


class TestLinregReference:
    """The regression lab's expected numbers from the handout."""

    def test_problem_1_after_100_epochs(self):
        w, b, losses = lr.train_linear_regression(P1_X, P1_Y)
        assert (w, b) == (pytest.approx(12.8508, abs=1e-4), pytest.approx(2.1500, abs=1e-4))
        assert len(losses) == 100 and all(later < earlier for earlier, later in zip(losses, losses[1:]))

    def test_question_1_after_100_epochs(self):
        w, b, losses = lr.train_linear_regression(Q1_X, Q1_Y)
        assert (w, b) == (pytest.approx(0.82003, abs=1e-5), pytest.approx(0.98789, abs=1e-5))
        assert losses[0] == pytest.approx(10.154, abs=1e-3)
        assert losses[-1] == pytest.approx(0.0173, abs=1e-4)

    @pytest.mark.parametrize("method", ["grads_yp_minus_y_autograd", "grads_yp_minus_y_manual",
                                        "grads_y_minus_yp_autograd", "grads_y_minus_yp_manual"])
    def test_two_epochs_under_both_conventions(self, method):
        history = getattr(lr, method)(torch.tensor([2.0, 4.0]), torch.tensor([20.0, 40.0]))
        assert history[0] == pytest.approx((-174.0, -52.0, 1.174, 1.052), abs=1e-5)
        assert history[1] == pytest.approx((-170.208, -50.852, 1.344208, 1.102852), abs=1e-4)

    def test_regression_model_trains_like_problem_1(self):
        model = lr.RegressionModel()
        for _ in range(100):
            loss = sum(model.criterion(P1_Y[j], model.forward(P1_X[j])) for j in range(5)) / 5
            loss.backward()
            model.update()
            model.reset_grad()
        assert model.w.item() == pytest.approx(12.8508, abs=1e-3)

    def test_multiple_regression_at_3_2(self):
        X = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
        y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).reshape(-1, 1)
        model, _ = lr.train_multiple_regression(X, y)
        assert model.coefficients.flatten().tolist() == pytest.approx([2.2816, -1.6721, 2.7996], abs=1e-4)
        assert model(torch.tensor([[3.0, 2.0]])).item() == pytest.approx(6.3003, abs=1e-3)

    def test_logistic_regression_classifies_all_nine(self):
        x = torch.tensor([1.0, 5, 10, 10, 25, 50, 70, 75, 100]).reshape(-1, 1)
        y = torch.tensor([0.0, 0, 0, 0, 0, 1, 1, 1, 1]).reshape(-1, 1)
        model, losses = lr.train_logistic_regression(x, y)
        assert ((model(x) >= 0.5).float() == y).all()
        assert losses[-1] < losses[0]
