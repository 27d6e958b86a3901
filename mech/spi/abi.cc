#include "spi/abi.h"

#include <cstdlib>
#include <cstring>

namespace apx::spi {

using base::Status;

void clear_buffer(gss_buffer_t b) {
  if (b != GSS_C_NO_BUFFER) {
    b->length = 0;
    b->value = nullptr;
  }
}

void free_buffer(gss_buffer_t b) {
  if (b == GSS_C_NO_BUFFER) return;
  std::free(b->value);
  clear_buffer(b);
}

void free_buffer_set(gss_buffer_set_t* set) {
  if (set == nullptr || *set == GSS_C_NO_BUFFER_SET) return;
  for (size_t i = 0; i < (*set)->count; ++i) std::free((*set)->elements[i].value);
  std::free((*set)->elements);
  std::free(*set);
  *set = GSS_C_NO_BUFFER_SET;
}

Status set_buffer(gss_buffer_t out, std::span<const uint8_t> bytes) {
  clear_buffer(out);
  if (out == GSS_C_NO_BUFFER || bytes.empty()) return Status::complete();
  void* p = std::malloc(bytes.size());
  if (p == nullptr) return Status::no_memory();
  std::memcpy(p, bytes.data(), bytes.size());
  out->value = p;
  out->length = bytes.size();
  return Status::complete();
}

Status set_buffer(gss_buffer_t out, std::string_view text) {
  // Display strings carry a terminating NUL beyond `length`, as MIT's do.
  clear_buffer(out);
  if (out == GSS_C_NO_BUFFER) return Status::complete();
  auto* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (p == nullptr) return Status::no_memory();
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\0';
  out->value = p;
  out->length = text.size();
  return Status::complete();
}

Status make_oid_set(std::span<const gss_OID_desc* const> oids, gss_OID_set* out) {
  // The mechglue frees each element's bytes, the element array and the set with free().
  *out = GSS_C_NO_OID_SET;
  auto* set = static_cast<gss_OID_set_desc*>(std::calloc(1, sizeof(gss_OID_set_desc)));
  if (set == nullptr) return Status::no_memory();
  set->elements = static_cast<gss_OID>(std::calloc(oids.size() ? oids.size() : 1,
                                                   sizeof(gss_OID_desc)));
  if (set->elements == nullptr) {
    std::free(set);
    return Status::no_memory();
  }
  for (const gss_OID_desc* o : oids) {
    void* bytes = std::malloc(o->length);
    if (bytes == nullptr) {
      for (size_t i = 0; i < set->count; ++i) std::free(set->elements[i].elements);
      std::free(set->elements);
      std::free(set);
      return Status::no_memory();
    }
    std::memcpy(bytes, o->elements, o->length);
    set->elements[set->count].length = o->length;
    set->elements[set->count].elements = bytes;
    ++set->count;
  }
  *out = set;
  return Status::complete();
}

namespace {

template <typename Bytes>
Status add_member(gss_buffer_set_t* set, Bytes b) {
  if (*set == GSS_C_NO_BUFFER_SET) {
    *set = static_cast<gss_buffer_set_t>(std::calloc(1, sizeof(gss_buffer_set_desc)));
    if (*set == nullptr) return Status::no_memory();
  }
  gss_buffer_set_t s = *set;
  auto* grown = static_cast<gss_buffer_desc*>(
      std::realloc(s->elements, (s->count + 1) * sizeof(gss_buffer_desc)));
  if (grown == nullptr) return Status::no_memory();
  s->elements = grown;
  s->elements[s->count] = GSS_C_EMPTY_BUFFER;
  APX_TRY(set_buffer(&s->elements[s->count], b));
  ++s->count;
  return Status::complete();
}

}  // namespace

Status add_to_buffer_set(gss_buffer_set_t* set, std::span<const uint8_t> b) {
  return add_member(set, b);
}

Status add_to_buffer_set(gss_buffer_set_t* set, std::string_view text) {
  return add_member(set, text);
}

}  // namespace apx::spi
