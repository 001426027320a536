//===- SentencePieceTokenizer.cpp - tern/Runtime/Tokenizer.h on SentencePiece //
//
// The generator's `--tokenizer` as a shared library over Debian's
// libsentencepiece, with a C interface that the (C) generator loads with
// dlopen.
//
//===----------------------------------------------------------------------===//

#include "tern/Runtime/Tokenizer.h"

#include <sentencepiece_processor.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

struct TernTokenizer {
  sentencepiece::SentencePieceProcessor processor;
};

extern "C" {

__attribute__((visibility("default"))) TernTokenizer *
tern_tokenizer_load(const char *path, char *error, size_t errorSize) {
  auto *tokenizer = new (std::nothrow) TernTokenizer;
  if (!tokenizer) {
    std::snprintf(error, errorSize, "out of memory");
    return nullptr;
  }
  sentencepiece::util::Status status = tokenizer->processor.Load(path);
  if (!status.ok()) {
    std::snprintf(error, errorSize,
                  "cannot load the SentencePiece model '%s': %s", path,
                  status.ToString().c_str());
    delete tokenizer;
    return nullptr;
  }
  return tokenizer;
}

__attribute__((visibility("default"))) int64_t
tern_tokenizer_vocab_size(const TernTokenizer *tokenizer) {
  return tokenizer->processor.GetPieceSize();
}

__attribute__((visibility("default"))) long
tern_tokenizer_encode(const TernTokenizer *tokenizer, const char *text,
                      int64_t *ids, size_t capacity) {
  std::vector<int> pieces;
  if (!tokenizer->processor.Encode(text, &pieces).ok() ||
      pieces.size() > capacity)
    return -1;
  for (size_t i = 0; i < pieces.size(); ++i)
    ids[i] = pieces[i];
  return static_cast<long>(pieces.size());
}

__attribute__((visibility("default"))) char *
tern_tokenizer_decode(const TernTokenizer *tokenizer, const int64_t *ids,
                      size_t count) {
  // Ids past the pieces (a model's vocabulary is often padded beyond its
  // tokenizer's) decode as the unknown piece.
  int size = tokenizer->processor.GetPieceSize();
  std::vector<int> pieces;
  pieces.reserve(count);
  for (size_t i = 0; i < count; ++i)
    pieces.push_back(ids[i] >= 0 && ids[i] < size
                         ? static_cast<int>(ids[i])
                         : tokenizer->processor.unk_id());
  std::string text;
  if (!tokenizer->processor.Decode(pieces, &text).ok())
    text.clear();
  char *out = static_cast<char *>(std::malloc(text.size() + 1));
  if (out)
    std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

__attribute__((visibility("default"))) void
tern_tokenizer_free(TernTokenizer *tokenizer) {
  delete tokenizer;
}

} // extern "C"
