/* A shared library that is not a Tern model, for ModelLibraryTest. */
int not_a_model(void) { return 0; }
