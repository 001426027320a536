// RUN: tern-opt %s -split-input-file -verify-diagnostics

func.func @dot_bytes(%acc: vector<16xi32>, %codes: vector<32xi8>, %x: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{needs four bytes per i32 lane: 16 lanes take 64 bytes, got 32}}
  %r = tern.dot_u8s8 %acc, %codes, %x : vector<32xi8> into vector<16xi32>
  return %r : vector<16xi32>
}

// -----

func.func @dot_types(%acc: vector<16xi32>, %codes: vector<64xi8>, %x: vector<64xi16>) -> vector<16xi32> {
  // expected-error @+1 {{'tern.dot_u8s8' op operand #2 must be vector of 8-bit signless integer values of ranks 1, but got 'vector<64xi16>'}}
  %r = "tern.dot_u8s8"(%acc, %codes, %x) : (vector<16xi32>, vector<64xi8>, vector<64xi16>) -> vector<16xi32>
  return %r : vector<16xi32>
}
