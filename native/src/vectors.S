/* The NIST CAVP vectors, embedded verbatim so the binary carries its own known answers. */
    .section .rodata
    .global r4_cavp_vectors
    .type r4_cavp_vectors, @object
r4_cavp_vectors:
    .incbin "vectors/ctr_drbg_aes256_df.rsp"
    .byte 0
    .size r4_cavp_vectors, . - r4_cavp_vectors
    .section .note.GNU-stack, "", @progbits
