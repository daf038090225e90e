"""Training dynamics: what the NTK predicts about gradient descent, checked against real training.

:mod:`~ntksym.dynamics.predict` the trained infinite-width ensemble (:func:`predict`),
:mod:`~ntksym.dynamics.convergence` rates, guarantees and floors (:func:`convergence`),
:mod:`~ntksym.dynamics.width_bounds` the published sufficient width (Du et al. 2019),
:mod:`~ntksym.dynamics.claims` the five checks of popular NTK claims against trained networks,
:mod:`~ntksym.dynamics.plots` their figures. Real training is :func:`ntksym.empirical.train.train`.
"""
from ntksym.dynamics.convergence import (ConvergenceResult, WidthMeasurement, convergence,
                                        measure_adequate_width)
from ntksym.dynamics.predict import Prediction, predict
from ntksym.dynamics.width_bounds import WidthBound, du_2019_width
from ntksym.empirical.train import TrainResult, train

__all__ = ["ConvergenceResult", "Prediction", "TrainResult", "WidthBound", "WidthMeasurement",
           "convergence", "du_2019_width", "measure_adequate_width", "predict", "train"]
