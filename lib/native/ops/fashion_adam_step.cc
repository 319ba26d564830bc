// FashionAdamStep: one Adam update of a variable, element by element, with
// exactly TensorFlow.js' AdamOptimizer arithmetic (tfjs-core 4.22): every
// intermediate rounded to float32 in the same order as its chain of
// element-wise ops, so the result is bit-identical to tf.train.adam while
// reading and writing each tensor once instead of about thirteen times.
// Built by `deno task setup` (lib/native/fashion_ops.ts) with
// -ffp-contract=off (no fused multiply-add) and loaded into the process's
// TensorFlow with TF_LoadLibrary.
#include <cmath>
#include <cstdint>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;

REGISTER_OP("FashionAdamStep")
    .Input("value: float")
    .Input("m: float")
    .Input("v: float")
    .Input("gradient: float")
    .Output("new_value: float")
    .Output("new_m: float")
    .Output("new_v: float")
    .Attr("beta1: float")
    .Attr("one_minus_beta1: float")
    .Attr("beta2: float")
    .Attr("one_minus_beta2: float")
    .Attr("one_minus_acc_beta1: float")
    .Attr("one_minus_acc_beta2: float")
    .Attr("epsilon: float")
    .Attr("neg_learning_rate: float")
    .SetShapeFn([](tensorflow::shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->input(0));
      c->set_output(2, c->input(0));
      return absl::OkStatus();
    });

class FashionAdamStepOp : public OpKernel {
 public:
  explicit FashionAdamStepOp(OpKernelConstruction* context)
      : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("beta1", &beta1_));
    OP_REQUIRES_OK(context, context->GetAttr("one_minus_beta1", &c1_));
    OP_REQUIRES_OK(context, context->GetAttr("beta2", &beta2_));
    OP_REQUIRES_OK(context, context->GetAttr("one_minus_beta2", &c2_));
    OP_REQUIRES_OK(context, context->GetAttr("one_minus_acc_beta1", &a1_));
    OP_REQUIRES_OK(context, context->GetAttr("one_minus_acc_beta2", &a2_));
    OP_REQUIRES_OK(context, context->GetAttr("epsilon", &epsilon_));
    OP_REQUIRES_OK(context, context->GetAttr("neg_learning_rate", &nlr_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& value = context->input(0);
    const Tensor& m = context->input(1);
    const Tensor& v = context->input(2);
    const Tensor& gradient = context->input(3);
    OP_REQUIRES(context,
                value.shape() == m.shape() && m.shape() == v.shape() &&
                    v.shape() == gradient.shape(),
                absl::InvalidArgumentError(
                    "FashionAdamStep: value, m, v and gradient differ in shape"));
    Tensor* new_value = nullptr;
    Tensor* new_m = nullptr;
    Tensor* new_v = nullptr;
    OP_REQUIRES_OK(context,
                   context->allocate_output(0, value.shape(), &new_value));
    OP_REQUIRES_OK(context, context->allocate_output(1, value.shape(), &new_m));
    OP_REQUIRES_OK(context, context->allocate_output(2, value.shape(), &new_v));
    const float* w = value.flat<float>().data();
    const float* m0 = m.flat<float>().data();
    const float* v0 = v.flat<float>().data();
    const float* g = gradient.flat<float>().data();
    float* w1 = new_value->flat<float>().data();
    float* m1 = new_m->flat<float>().data();
    float* v1 = new_v->flat<float>().data();
    const float b1 = beta1_, c1 = c1_, b2 = beta2_, c2 = c2_;
    const float a1 = a1_, a2 = a2_, eps = epsilon_, nlr = nlr_;
    auto update = [=](int64_t start, int64_t end) {
      // Outputs never alias inputs (freshly allocated), so the loop vectorizes.
#pragma GCC ivdep
      for (int64_t i = start; i < end; i++) {
        const float gi = g[i];
        // add(mul(m, beta1), mul(g, 1 - beta1))
        const float m_new = m0[i] * b1 + gi * c1;
        // add(mul(v, beta2), mul(square(g), 1 - beta2))
        const float g_squared = gi * gi;
        const float v_new = v0[i] * b2 + g_squared * c2;
        // add(mul(div(div(m, 1 - accBeta1), add(sqrt(div(v, 1 - accBeta2)), eps)), -lr), value)
        const float m_hat = m_new / a1;
        const float v_hat = v_new / a2;
        const float denominator = std::sqrt(v_hat) + eps;
        const float step = m_hat / denominator;
        m1[i] = m_new;
        v1[i] = v_new;
        w1[i] = step * nlr + w[i];
      }
    };
    context->device()->tensorflow_cpu_worker_threads()->workers->ParallelFor(
        value.NumElements(), 24, update);
  }

 private:
  float beta1_, c1_, beta2_, c2_, a1_, a2_, epsilon_, nlr_;
};

REGISTER_KERNEL_BUILDER(Name("FashionAdamStep").Device(tensorflow::DEVICE_CPU),
                        FashionAdamStepOp);

}  // namespace
