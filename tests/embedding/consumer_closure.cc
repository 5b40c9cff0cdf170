// Links nothing but the library targets examples/consumer uses (see BUILD).
int main() { return 0; }
