/*===- Tokenizer.h - SentencePiece tokenization for the generator -*- C -*-===*
 *
 * Text generators (`ternc --emit=exe` of a language model) take
 * `--tokenizer FILE`, a SentencePiece model. The C interface below is the
 * shared library libtern_sentencepiece.so (lib/Runtime/
 * SentencePieceTokenizer.cpp, on Debian's libsentencepiece), which the
 * generator loads with dlopen only when asked: generators have no
 * dependency on it otherwise. Not part of the C API.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_TOKENIZER_H
#define TERN_RUNTIME_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TernTokenizer TernTokenizer;

/** Loads the SentencePiece model at `path`; on failure returns NULL and
 *  writes why into `error` (`errorSize` bytes). */
TernTokenizer *tern_tokenizer_load(const char *path, char *error,
                                   size_t errorSize);

/** The number of pieces (the largest id plus one). */
int64_t tern_tokenizer_vocab_size(const TernTokenizer *tokenizer);

/** Encodes `text` into at most `capacity` ids; returns how many, or -1 when
 *  they do not fit. */
long tern_tokenizer_encode(const TernTokenizer *tokenizer, const char *text,
                           int64_t *ids, size_t capacity);

/** The text of `count` ids, in a buffer the caller frees (NULL when out of
 *  memory). */
char *tern_tokenizer_decode(const TernTokenizer *tokenizer, const int64_t *ids,
                            size_t count);

void tern_tokenizer_free(TernTokenizer *tokenizer);

/* The signatures, for dlsym. */
typedef TernTokenizer *(*TernTokenizerLoadFn)(const char *, char *, size_t);
typedef int64_t (*TernTokenizerVocabSizeFn)(const TernTokenizer *);
typedef long (*TernTokenizerEncodeFn)(const TernTokenizer *, const char *,
                                      int64_t *, size_t);
typedef char *(*TernTokenizerDecodeFn)(const TernTokenizer *, const int64_t *,
                                       size_t);
typedef void (*TernTokenizerFreeFn)(TernTokenizer *);

#ifdef __cplusplus
}
#endif

#endif /* TERN_RUNTIME_TOKENIZER_H */
