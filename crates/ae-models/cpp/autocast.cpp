// libtorch's automatic mixed precision ("autocast") switches, for any device type.
//
// tch exposes only the CUDA switch (`tch::autocast`); the CPU one and the reduced type
// (bfloat16) are reached here. The functions are declared rather than taken from
// <ATen/autocast_mode.h>, which pulls in all of ATen and would take a minute to compile; the
// declarations are the ones of that header in libtorch 2.11 (tch 0.24's version).
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

#include <cstdint>

namespace at::autocast {
bool is_autocast_enabled(c10::DeviceType device_type);
void set_autocast_enabled(c10::DeviceType device_type, bool enabled);
c10::ScalarType get_autocast_dtype(c10::DeviceType device_type);
void set_autocast_dtype(c10::DeviceType device_type, c10::ScalarType dtype);
void clear_cache();
int increment_nesting();
int decrement_nesting();
}  // namespace at::autocast

extern "C" {

// Whether autocast is on for `device_type` (c10::DeviceType: 0 CPU, 1 CUDA) on this thread.
bool ae_autocast_is_enabled(int8_t device_type) {
  return at::autocast::is_autocast_enabled(static_cast<c10::DeviceType>(device_type));
}

// The reduced type of `device_type` (c10::ScalarType: 5 Half, 15 BFloat16).
int8_t ae_autocast_dtype(int8_t device_type) {
  return static_cast<int8_t>(
      at::autocast::get_autocast_dtype(static_cast<c10::DeviceType>(device_type)));
}

// Turns autocast on or off for `device_type` on this thread, with `dtype` as reduced type.
void ae_autocast_set(int8_t device_type, bool enabled, int8_t dtype) {
  auto device = static_cast<c10::DeviceType>(device_type);
  at::autocast::set_autocast_dtype(device, static_cast<c10::ScalarType>(dtype));
  at::autocast::set_autocast_enabled(device, enabled);
}

// Entering a region: returns the new depth.
int ae_autocast_increment_nesting() { return at::autocast::increment_nesting(); }

// Leaving a region: returns the new depth; at 0 the cached low-precision weights are dropped.
int ae_autocast_decrement_nesting() {
  int depth = at::autocast::decrement_nesting();
  if (depth == 0) {
    at::autocast::clear_cache();
  }
  return depth;
}

}  // extern "C"
