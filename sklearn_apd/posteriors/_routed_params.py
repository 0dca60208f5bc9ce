"""scikit-learn parameters for a skorch network: explicit ones plus routed ``prefix__name``."""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import validate_parameter_constraints

from .._utils import resolve_device


class RoutedParamsMixin:
    """``get_params`` / ``set_params`` / ``_validate_params`` of the network estimators.

    scikit-learn's contract (an estimator holds exactly its ``__init__``
    parameters, ``set_params`` only stores, validation happens in ``fit``)
    with skorch's routing: ``module__*``, ``criterion__*``, ``optimizer__*``
    and ``callbacks__*`` keyword arguments are parameters too. Put it first in
    the bases, before skorch's ``NeuralNet``.
    """

    _routable_prefixes = ("module", "criterion", "optimizer", "callbacks")
    _params_to_validate: frozenset = frozenset()

    # Names the subclass __init__ sets; skorch's __setattr__ is bypassed for them.
    def __setattr__(self, name, value):
        if name in self._init_param_names():
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    @classmethod
    def _init_param_names(cls):
        # Cached per class: __setattr__ asks on every assignment.
        names = cls.__dict__.get("_init_param_names_cache")
        if names is None:
            names = frozenset(BaseEstimator._get_param_names.__func__(cls))
            type.__setattr__(cls, "_init_param_names_cache", names)
        return names

    def _store_routed(self, kwargs):
        """Keep routed ``prefix__name`` parameters (called from ``__init__``)."""
        self._params_to_validate = set(kwargs)
        for key, value in kwargs.items():
            object.__setattr__(self, key, value)

    # ------------------------------------------------------------------ params
    def _get_param_names(self):
        routed = [k for k in self._params_to_validate if k in self.__dict__]
        return sorted(set(self._init_param_names()) | set(routed))

    def get_params(self, deep=True):
        out = {}
        for key in self._get_param_names():
            out[key] = getattr(self, key)
        if deep:
            for key, value in list(out.items()):
                if hasattr(value, "get_params") and not isinstance(value, type):
                    for sub_key, sub_value in value.get_params().items():
                        out[f"{key}__{sub_key}"] = sub_value
        return out

    def set_params(self, **params):
        """Set parameters, including routed ``module__*``-style ones.

        Like scikit-learn (and unlike skorch), nothing is re-initialized here:
        a fitted estimator keeps its fitted state until the next ``fit``, which
        also validates the names and values.

        Returns
        -------
        self : object
        """
        names = self._init_param_names()
        for key, value in params.items():
            object.__setattr__(self, key, value)
            if key not in names:
                self._params_to_validate = set(self._params_to_validate) | {key}
        return self

    def __repr__(self):
        return BaseEstimator.__repr__(self)

    _routable_prefixes = ("module", "criterion", "optimizer", "callbacks")

    def _validate_params(self):
        """Routed names, ``_parameter_constraints`` and the device; run by ``@_fit_context``.

        Replaces skorch's check of the same name, which ``initialize`` also calls.
        """
        for key in sorted(self._params_to_validate):
            prefix = key.split("__", 1)[0]
            if "__" not in key or prefix not in self._routable_prefixes:
                routable = ", ".join(f"{p}__*" for p in self._routable_prefixes)
                raise ValueError(
                    f"{type(self).__name__} got an unexpected parameter {key}="
                    f"{getattr(self, key)!r}. Valid parameters are "
                    f"{sorted(self._init_param_names())} and the routed {routable}."
                )
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: getattr(self, k) for k in self._init_param_names()},
            caller_name=type(self).__name__,
        )
        resolve_device(self.device)
