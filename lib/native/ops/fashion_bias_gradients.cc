// The backward pass through a convolution layer's ReLU (and the max pooling
// after it) and its bias, in fewer passes over the activations.
//
// TensorFlow.js takes a pass for each step: `MaxPoolGrad` (routing each
// window's gradient to its maximum), `ReluGrad` (backprops = gradients *
// (features > 0)) and `Sum` of the backprops over every axis but the last
// (the bias gradient). The ops here write the same backprops and add their
// rows into the bias gradient in exactly the order TensorFlow's `Sum` kernel
// adds them (`ColumnSums` below), so every value is bit-identical to the
// separate ops':
//
// - FashionReluGradBiasSum(gradients, features): ReluGrad, each row added
//   into the sums as it is written;
// - FashionMaxPoolReluGradBiasSum(pooled_gradients, features): MaxPoolGrad
//   of a 2x2 pooling with stride 2 and `valid` padding of Relu(features)
//   (each window's gradient to its first maximum in row-major order, as
//   TensorFlow's and oneDNN's kernels route it), then ReluGrad, then the
//   sum. The features may be the ReLU's input or its output (Relu of a Relu
//   output is itself), so the forward pass need not keep the ReLU's output
//   (FashionReluMaxPool below). The backprops are written by all threads,
//   window row by window row; the sums then read them back in row order
//   (one pass over the features and pooled gradients, one over the
//   backprops, instead of MaxPoolGrad's, ReluGrad's and Sum's five).
//
// And forward, FashionReluMaxPool(features): Relu, then that pooling, in
// one pass, without writing the ReLU's output.
//
// Built by `deno task setup` (lib/native/fashion_ops.ts) with
// -ffp-contract=off, so that no sum is fused into a multiply-add with the
// product before it. x86-64 SSE (the build's x86-64-v2 baseline).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;
using tensorflow::TensorShape;

// Floats in one of Eigen's packets in the TensorFlow wheel (AVX).
constexpr int64_t kTensorflowPacket = 8;

// Channels per block: whole rows of 64-filter layers; wider layers split
// over the CPU threads. Narrower blocks read parts of each row from two
// threads and were slower than one thread on the 2-core build machine (22
// against 11 ms for ReluGrad and the sum of [32, 118, 88, 64] in
// 32-channel blocks; 23 against 12 ms for the pooled op's sums).
constexpr int64_t kBlockChannels = 64;

// The column sums of a [rows, channels] matrix, for the channels
// [first, last), in the order TensorFlow's `Sum` over the rows adds them.
//
// `Sum` reduces the matrix with Eigen's `InnerMostDimPreserver`
// (TensorReduction.h): the channels in whole packets of eight, for 16 rows
// or more, keep four running sums (rows 0, 4, 8, ...; 1, 5, 9, ...; 2, ...;
// 3, ...), add the second, third and fourth into the first, then add the
// last rows % 4 rows one by one; under 16 rows, and for the channels past
// the last whole packet (Eigen's scalar path), one running sum over the
// rows in order. Rows must be added in increasing order.
class ColumnSums {
 public:
  ColumnSums(int64_t rows, int64_t channels, int64_t first, int64_t last)
      : width_(last - first),
        four_sums_(rows >= 16 ? std::max<int64_t>(
                                    0, std::min(last, (channels / kTensorflowPacket) *
                                                          kTensorflowPacket) -
                                           first)
                              : 0),
        unrolled_(four_sums_ > 0 ? (rows / 4) * 4 : 0),
        sums_(4 * width_, 0.0f) {}

  // Adds row `row`'s values (one per channel of the block).
  void Add(int64_t row, const float* values) {
    if (row >= unrolled_ && !combined_) Combine();
    float* four = sums_.data() + (row < unrolled_ ? (row % 4) * width_ : 0);
    AddInto(four, values, 0, four_sums_);
    AddInto(sums_.data(), values, four_sums_, width_);
  }

  // Writes the sums of the block's channels to `out`.
  void Finish(float* out) {
    if (!combined_) Combine();
    std::copy(sums_.data(), sums_.data() + width_, out);
  }

 private:
  // sum[c] = sum[c] + values[c] for c in [from, to), the sum the first
  // operand (as Eigen's `padd(accumulator, packet)`).
  static void AddInto(float* sum, const float* values, int64_t from,
                      int64_t to) {
    int64_t c = from;
    for (; c + 4 <= to; c += 4) {
      _mm_storeu_ps(sum + c,
                    _mm_add_ps(_mm_loadu_ps(sum + c), _mm_loadu_ps(values + c)));
    }
    for (; c < to; c++) sum[c] = sum[c] + values[c];
  }

  void Combine() {
    float* first = sums_.data();
    for (int64_t k = 1; k < 4; k++) {
      AddInto(first, sums_.data() + k * width_, 0, four_sums_);
    }
    combined_ = true;
  }

  const int64_t width_;
  const int64_t four_sums_;
  const int64_t unrolled_;
  std::vector<float> sums_;
  bool combined_ = false;
};

// Runs `block(first, last)` for blocks of `kBlockChannels` channels, spread
// over the CPU threads (each block is a pass over `rows` rows).
template <typename Block>
void ForChannelBlocks(OpKernelContext* context, int64_t channels,
                      int64_t rows, const Block& block) {
  const int64_t blocks = (channels + kBlockChannels - 1) / kBlockChannels;
  context->device()->tensorflow_cpu_worker_threads()->workers->ParallelFor(
      blocks, rows * kBlockChannels * 12, [&](int64_t start, int64_t end) {
        for (int64_t b = start; b < end; b++) {
          block(b * kBlockChannels,
                std::min(channels, (b + 1) * kBlockChannels));
        }
      });
}

// 1.0f where features > 0 (false for NaN), else 0.0f: ReluGrad's mask.
inline __m128 ReluMask(__m128 features) {
  return _mm_and_ps(_mm_cmpgt_ps(features, _mm_setzero_ps()),
                    _mm_set1_ps(1.0f));
}

inline float ReluMask(float feature) { return feature > 0.0f ? 1.0f : 0.0f; }

// TensorFlow's Relu, as its vectorized path computes it: Eigen's
// max(features, 0) with NaN propagated (`_mm_max_ps(x, 0)`, which gives the
// 0 for x = -0, then x itself where x is NaN). So relu(-0) = +0 here; in
// TensorFlow too, except for the last size % 8 elements of a tensor, which
// its scalar path takes and where relu(-0) = -0. (Training never feeds
// a -0 in: a convolution's output plus its bias is -0 only when both are.)
// Relu of a Relu output is itself.
inline __m128 Relu(__m128 features) {
  const __m128 max = _mm_max_ps(features, _mm_setzero_ps());
  return _mm_blendv_ps(features, max, _mm_cmpeq_ps(features, features));
}

inline float Relu(float feature) {
  return _mm_cvtss_f32(Relu(_mm_set_ss(feature)));
}

// A 2x2 window's first maximum in row-major order (a, b above c, d): a
// later element wins only when strictly greater, as TensorFlow's and
// oneDNN's pooling kernels choose it. The forward pooling takes `best`, the
// backward routing the masks, so the two cannot disagree.
struct FirstMaximum {
  __m128 best;
  __m128 is_a, is_b, is_c, is_d;
};

inline FirstMaximum FirstMaximumOf(__m128 a, __m128 b, __m128 c, __m128 d) {
  __m128 best = a;
  const __m128 gb = _mm_cmpgt_ps(b, best);
  best = _mm_blendv_ps(best, b, gb);
  const __m128 gc = _mm_cmpgt_ps(c, best);
  best = _mm_blendv_ps(best, c, gc);
  const __m128 gd = _mm_cmpgt_ps(d, best);
  best = _mm_blendv_ps(best, d, gd);
  const __m128 later = _mm_or_ps(gc, gd);
  return {best,
          _mm_andnot_ps(_mm_or_ps(gb, later),
                        _mm_castsi128_ps(_mm_set1_epi32(-1))),
          _mm_andnot_ps(later, gb), _mm_andnot_ps(gd, gc), gd};
}

// The same for one channel: the index (0 to 3) of the window's first
// maximum among `window`.
inline int FirstMaximumIndex(const float window[4]) {
  int winner = 0;
  for (int i = 1; i < 4; i++) {
    if (window[i] > window[winner]) winner = i;
  }
  return winner;
}

REGISTER_OP("FashionReluGradBiasSum")
    .Input("gradients: float")
    .Input("features: float")
    .Output("backprops: float")
    .Output("bias_gradient: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->Vector(c->Dim(c->input(0), -1)));
      return absl::OkStatus();
    });

class FashionReluGradBiasSumOp : public OpKernel {
 public:
  explicit FashionReluGradBiasSumOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& gradients = context->input(0);
    const Tensor& features = context->input(1);
    OP_REQUIRES(context, gradients.shape() == features.shape(),
                absl::InvalidArgumentError(
                    "FashionReluGradBiasSum: gradients and features differ "
                    "in shape"));
    OP_REQUIRES(context, gradients.dims() >= 1,
                absl::InvalidArgumentError(
                    "FashionReluGradBiasSum: needs at least one dimension "
                    "(the channels)"));
    const int64_t channels = gradients.dim_size(gradients.dims() - 1);
    const int64_t rows = channels == 0 ? 0 : gradients.NumElements() / channels;
    Tensor* backprops = nullptr;
    Tensor* bias_gradient = nullptr;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, gradients.shape(), &backprops));
    OP_REQUIRES_OK(context, context->allocate_output(
                                1, TensorShape({channels}), &bias_gradient));
    const float* dy = gradients.flat<float>().data();
    const float* x = features.flat<float>().data();
    float* dx = backprops->flat<float>().data();
    float* sums = bias_gradient->flat<float>().data();

    ForChannelBlocks(context, channels, rows, [=](int64_t first, int64_t last) {
      const int64_t width = last - first;
      ColumnSums column_sums(rows, channels, first, last);
      for (int64_t r = 0; r < rows; r++) {
        const int64_t offset = r * channels + first;
        const float* g = dy + offset;
        const float* f = x + offset;
        float* out = dx + offset;
        int64_t c = 0;
        for (; c + 4 <= width; c += 4) {
          _mm_storeu_ps(out + c, _mm_mul_ps(_mm_loadu_ps(g + c),
                                            ReluMask(_mm_loadu_ps(f + c))));
        }
        for (; c < width; c++) out[c] = g[c] * ReluMask(f[c]);
        column_sums.Add(r, out);
      }
      column_sums.Finish(sums + first);
    });
  }
};

REGISTER_KERNEL_BUILDER(
    Name("FashionReluGradBiasSum").Device(tensorflow::DEVICE_CPU),
    FashionReluGradBiasSumOp);

REGISTER_OP("FashionMaxPoolReluGradBiasSum")
    .Input("pooled_gradients: float")
    .Input("features: float")
    .Output("backprops: float")
    .Output("bias_gradient: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(1));
      c->set_output(1, c->Vector(c->Dim(c->input(1), -1)));
      return absl::OkStatus();
    });

class FashionMaxPoolReluGradBiasSumOp : public OpKernel {
 public:
  explicit FashionMaxPoolReluGradBiasSumOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& pooled_gradients = context->input(0);
    const Tensor& features = context->input(1);
    OP_REQUIRES(context, features.dims() == 4 && pooled_gradients.dims() == 4,
                absl::InvalidArgumentError(
                    "FashionMaxPoolReluGradBiasSum: needs NHWC features and "
                    "pooled gradients"));
    const int64_t n = features.dim_size(0), height = features.dim_size(1),
                  width = features.dim_size(2),
                  channels = features.dim_size(3);
    const int64_t pooled_height = height / 2, pooled_width = width / 2;
    OP_REQUIRES(
        context,
        pooled_gradients.dim_size(0) == n &&
            pooled_gradients.dim_size(1) == pooled_height &&
            pooled_gradients.dim_size(2) == pooled_width &&
            pooled_gradients.dim_size(3) == channels,
        absl::InvalidArgumentError(
            "FashionMaxPoolReluGradBiasSum: the pooled gradients are not "
            "the shape of a 2x2, stride-2, valid pooling of the features"));
    Tensor* backprops = nullptr;
    Tensor* bias_gradient = nullptr;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, features.shape(), &backprops));
    OP_REQUIRES_OK(context, context->allocate_output(
                                1, TensorShape({channels}), &bias_gradient));
    const float* dp = pooled_gradients.flat<float>().data();
    const float* y = features.flat<float>().data();
    float* dx = backprops->flat<float>().data();
    float* sums = bias_gradient->flat<float>().data();
    const int64_t rows = n * height * width;

    // Where (image, h, w) starts in the features and backprops, and
    // (image, ph, pw) in the pooled gradients.
    auto at = [=](int64_t image, int64_t h, int64_t w) {
      return ((image * height + h) * width + w) * channels;
    };
    auto pooled_at = [=](int64_t image, int64_t ph, int64_t pw) {
      return ((image * pooled_height + ph) * pooled_width + pw) * channels;
    };
    // First the backprops, band by band (the two rows of one row of
    // windows) over all threads; then the sums, which must run over the
    // rows in order, over the backprops just written.
    auto band = [=](int64_t image, int64_t ph) {
      const int64_t top = 2 * ph;
      for (int64_t pw = 0; pw < pooled_width; pw++) {
        const int64_t left = 2 * pw;
        const float* a = y + at(image, top, left);
        const float* b = a + channels;
        const float* c = a + width * channels;
        const float* d = c + channels;
        const float* g = dp + pooled_at(image, ph, pw);
        float* out_a = dx + at(image, top, left);
        float* out_b = out_a + channels;
        float* out_c = out_a + width * channels;
        float* out_d = out_c + channels;
        int64_t k = 0;
        for (; k + 4 <= channels; k += 4) {
          const __m128 va = Relu(_mm_loadu_ps(a + k)),
                       vb = Relu(_mm_loadu_ps(b + k)),
                       vc = Relu(_mm_loadu_ps(c + k)),
                       vd = Relu(_mm_loadu_ps(d + k));
          const FirstMaximum m = FirstMaximumOf(va, vb, vc, vd);
          const __m128 vg = _mm_loadu_ps(g + k);
          // MaxPoolGrad's value (the gradient or +0), times ReluGrad's mask.
          _mm_storeu_ps(out_a + k,
                        _mm_mul_ps(_mm_and_ps(vg, m.is_a), ReluMask(va)));
          _mm_storeu_ps(out_b + k,
                        _mm_mul_ps(_mm_and_ps(vg, m.is_b), ReluMask(vb)));
          _mm_storeu_ps(out_c + k,
                        _mm_mul_ps(_mm_and_ps(vg, m.is_c), ReluMask(vc)));
          _mm_storeu_ps(out_d + k,
                        _mm_mul_ps(_mm_and_ps(vg, m.is_d), ReluMask(vd)));
        }
        for (; k < channels; k++) {
          const float window[4] = {Relu(a[k]), Relu(b[k]), Relu(c[k]),
                                   Relu(d[k])};
          const int winner = FirstMaximumIndex(window);
          float* outs[4] = {out_a + k, out_b + k, out_c + k, out_d + k};
          for (int i = 0; i < 4; i++) {
            *outs[i] = (i == winner ? g[k] : 0.0f) * ReluMask(window[i]);
          }
        }
      }
      // A last column outside every window (odd width) gets no gradient.
      if (width % 2 == 1) {
        for (int64_t h = top; h < top + 2; h++) {
          std::fill_n(dx + at(image, h, width - 1), channels, 0.0f);
        }
      }
      // A last row outside every window (odd height) neither.
      if (height % 2 == 1 && ph == pooled_height - 1) {
        std::fill_n(dx + at(image, height - 1, 0), width * channels, 0.0f);
      }
    };
    if (pooled_height == 0 || pooled_width == 0) {
      std::fill_n(dx, features.NumElements(), 0.0f);
    } else {
      context->device()->tensorflow_cpu_worker_threads()->workers->ParallelFor(
          n * pooled_height, 2 * width * channels * 24,
          [=](int64_t start, int64_t end) {
            for (int64_t i = start; i < end; i++) {
              band(i / pooled_height, i % pooled_height);
            }
          });
    }
    ForChannelBlocks(context, channels, rows, [=](int64_t first, int64_t last) {
      ColumnSums column_sums(rows, channels, first, last);
      for (int64_t r = 0; r < rows; r++) {
        column_sums.Add(r, dx + r * channels + first);
      }
      column_sums.Finish(sums + first);
    });
  }
};

REGISTER_KERNEL_BUILDER(
    Name("FashionMaxPoolReluGradBiasSum").Device(tensorflow::DEVICE_CPU),
    FashionMaxPoolReluGradBiasSumOp);

REGISTER_OP("FashionReluMaxPool")
    .Input("features: float")
    .Output("pooled: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      auto in = c->input(0);
      tensorflow::shape_inference::DimensionHandle h, w;
      TF_RETURN_IF_ERROR(c->Divide(c->Dim(in, 1), 2, false, &h));
      TF_RETURN_IF_ERROR(c->Divide(c->Dim(in, 2), 2, false, &w));
      c->set_output(0, c->MakeShape({c->Dim(in, 0), h, w, c->Dim(in, 3)}));
      return absl::OkStatus();
    });

class FashionReluMaxPoolOp : public OpKernel {
 public:
  explicit FashionReluMaxPoolOp(OpKernelConstruction* context)
      : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& features = context->input(0);
    OP_REQUIRES(context, features.dims() == 4,
                absl::InvalidArgumentError(
                    "FashionReluMaxPool: needs NHWC features"));
    const int64_t n = features.dim_size(0), height = features.dim_size(1),
                  width = features.dim_size(2),
                  channels = features.dim_size(3);
    const int64_t pooled_height = height / 2, pooled_width = width / 2;
    Tensor* pooled = nullptr;
    OP_REQUIRES_OK(context,
                   context->allocate_output(
                       0, TensorShape({n, pooled_height, pooled_width, channels}),
                       &pooled));
    const float* z = features.flat<float>().data();
    float* out = pooled->flat<float>().data();
    // One band: a row of windows of one image.
    auto bands = [=](int64_t start, int64_t end) {
      for (int64_t band = start; band < end; band++) {
        const int64_t image = band / pooled_height, ph = band % pooled_height;
        for (int64_t pw = 0; pw < pooled_width; pw++) {
          const float* a =
              z + ((image * height + 2 * ph) * width + 2 * pw) * channels;
          const float* b = a + channels;
          const float* c = a + width * channels;
          const float* d = c + channels;
          float* o = out + (band * pooled_width + pw) * channels;
          int64_t k = 0;
          for (; k + 4 <= channels; k += 4) {
            // The window's maximum, taken as the backward pass takes it.
            _mm_storeu_ps(o + k, FirstMaximumOf(Relu(_mm_loadu_ps(a + k)),
                                                Relu(_mm_loadu_ps(b + k)),
                                                Relu(_mm_loadu_ps(c + k)),
                                                Relu(_mm_loadu_ps(d + k)))
                                     .best);
          }
          for (; k < channels; k++) {
            const float window[4] = {Relu(a[k]), Relu(b[k]), Relu(c[k]),
                                     Relu(d[k])};
            o[k] = window[FirstMaximumIndex(window)];
          }
        }
      }
    };
    context->device()->tensorflow_cpu_worker_threads()->workers->ParallelFor(
        n * pooled_height, pooled_width * channels * 8, bands);
  }
};

REGISTER_KERNEL_BUILDER(
    Name("FashionReluMaxPool").Device(tensorflow::DEVICE_CPU),
    FashionReluMaxPoolOp);

}  // namespace
