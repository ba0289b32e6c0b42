// Float64 reference of SelectiveScan2D, written as literally as OPS.md states the math. Used by the tests only.
#pragma once

#include "selective_scan_2d.h"

namespace segman {

struct SelectiveScan2DReferenceInputs {
  const double* u;
  const double* delta;
  const double* B;
  const double* C;
  const double* A;
  const double* D;
  const double* delta_bias;
  bool delta_softplus = true;
};

void selective_scan_2d_reference(const SelectiveScan2DShape& shape, const SelectiveScan2DReferenceInputs& in,
                                 double* y);

}  // namespace segman
