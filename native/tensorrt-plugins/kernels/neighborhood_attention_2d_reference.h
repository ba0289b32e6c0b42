// Float64 reference of NeighborhoodAttention2D: logits for the whole window, then a max-subtracted softmax.
// Used by the tests only.
#pragma once

#include "neighborhood_attention_2d.h"

namespace segman {

void neighborhood_attention_2d_reference(const NeighborhoodAttention2DShape& shape, const double* q,
                                         const double* k, const double* v, const double* rpb, double* out);

}  // namespace segman
