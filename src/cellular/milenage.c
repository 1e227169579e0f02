/*
 * milenage.c - the Milenage algorithm set (3GPP TS 35.206) over the
 * project's AES-128 block primitive, and the AKA tokens built from it
 * (TS 33.102 §6.3): authentication vectors with AUTN, AUTS and its
 * recovery on the network side.
 *
 * Every intermediate block is a function of K and is wiped before return.
 */
#include <string.h>

#include "cellstrap/usim.h"
#include "crypto/crypto.h"

static void xor_block(uint8_t *out, const uint8_t *a, const uint8_t *b,
                      size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = a[i] ^ b[i];
}

/* Cyclic left rotation by a whole number of octets: every r of
 * Milenage's default set (0, 32, 64, 96 bits) is one. */
static void rotate_octets(const uint8_t in[16], unsigned octets, uint8_t out[16])
{
    for (unsigned j = 0; j < 16; j++)
        out[j] = in[(j + octets) % 16];
}

void cs_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
    uint8_t e[16];
    cs_aes128_encrypt_block(k, op, e);
    xor_block(opc, op, e, 16);
    cs_secure_zero(e, sizeof e);
}

void cs_milenage_temp(const uint8_t k[16], const uint8_t opc[16],
                      const uint8_t rand[16], uint8_t temp[16])
{
    uint8_t in[16];
    xor_block(in, rand, opc, 16);
    cs_aes128_encrypt_block(k, in, temp);
    cs_secure_zero(in, sizeof in);
}

/* Rotation (octets) and constant (last octet of c_n) for OUT1..OUT5. */
static const uint8_t rotation[6] = { 0, 8, 0, 4, 8, 12 };
static const uint8_t constant[6] = { 0, 0x00, 0x01, 0x02, 0x04, 0x08 };

cs_err cs_milenage_out(const uint8_t k[16], const uint8_t opc[16],
                       const uint8_t temp[16], const uint8_t *sqn,
                       const uint8_t *amf, unsigned n, uint8_t out[16])
{
    uint8_t x[16], rotated[16], block[16];
    if (n < 1 || n > 5 || (n == 1 && (sqn == NULL || amf == NULL)))
        return CS_E_INVALID_ARG;
    if (n == 1) {
        /* IN1 = SQN || AMF || SQN || AMF; OUT1 mixes TEMP in after the
         * rotation, unlike OUT2..5 which rotate TEMP itself. */
        uint8_t in1[16];
        memcpy(in1, sqn, 6);
        memcpy(in1 + 6, amf, 2);
        memcpy(in1 + 8, in1, 8);
        xor_block(x, in1, opc, 16);
        rotate_octets(x, rotation[1], rotated);
        xor_block(block, rotated, temp, 16);
        cs_secure_zero(in1, sizeof in1);
    } else {
        xor_block(x, temp, opc, 16);
        rotate_octets(x, rotation[n], block);
    }
    block[15] ^= constant[n];
    cs_aes128_encrypt_block(k, block, out);
    xor_block(out, out, opc, 16);
    cs_secure_zero(x, sizeof x);
    cs_secure_zero(rotated, sizeof rotated);
    cs_secure_zero(block, sizeof block);
    return CS_OK;
}

/* OUT1 for (RAND, SQN, AMF): MAC-A in its first half, MAC-S in its second. */
static void out1(const uint8_t k[16], const uint8_t opc[16],
                 const uint8_t rand[16], const uint8_t sqn[6],
                 const uint8_t amf[2], uint8_t out[16])
{
    uint8_t temp[16];
    cs_milenage_temp(k, opc, rand, temp);
    (void)cs_milenage_out(k, opc, temp, sqn, amf, 1, out);
    cs_secure_zero(temp, sizeof temp);
}

void cs_milenage_f1(const uint8_t k[16], const uint8_t opc[16],
                    const uint8_t rand[16], const uint8_t sqn[6],
                    const uint8_t amf[2], uint8_t mac_a[8])
{
    uint8_t out[16];
    out1(k, opc, rand, sqn, amf, out);
    memcpy(mac_a, out, 8);
    cs_secure_zero(out, sizeof out);
}

void cs_milenage_f1star(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], const uint8_t sqn[6],
                        const uint8_t amf[2], uint8_t mac_s[8])
{
    uint8_t out[16];
    out1(k, opc, rand, sqn, amf, out);
    memcpy(mac_s, out + 8, 8);
    cs_secure_zero(out, sizeof out);
}

void cs_milenage_f2345(const uint8_t k[16], const uint8_t opc[16],
                       const uint8_t rand[16], uint8_t res[8], uint8_t ck[16],
                       uint8_t ik[16], uint8_t ak[6])
{
    uint8_t temp[16], out[16];
    cs_milenage_temp(k, opc, rand, temp);
    (void)cs_milenage_out(k, opc, temp, NULL, NULL, 2, out);
    if (ak != NULL)
        memcpy(ak, out, 6);
    if (res != NULL)
        memcpy(res, out + 8, 8);
    if (ck != NULL)
        (void)cs_milenage_out(k, opc, temp, NULL, NULL, 3, ck);
    if (ik != NULL)
        (void)cs_milenage_out(k, opc, temp, NULL, NULL, 4, ik);
    cs_secure_zero(temp, sizeof temp);
    cs_secure_zero(out, sizeof out);
}

void cs_milenage_f5star(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], uint8_t ak_star[6])
{
    uint8_t temp[16], out[16];
    cs_milenage_temp(k, opc, rand, temp);
    (void)cs_milenage_out(k, opc, temp, NULL, NULL, 5, out);
    memcpy(ak_star, out, 6);
    cs_secure_zero(temp, sizeof temp);
    cs_secure_zero(out, sizeof out);
}

/* ---- AKA tokens ------------------------------------------------------ */

void cs_aka_vector_make(const uint8_t k[16], const uint8_t opc[16],
                        const uint8_t rand[16], const uint8_t sqn[6],
                        const uint8_t amf[2], cs_aka_vector *out)
{
    uint8_t ak[6];
    memcpy(out->rand, rand, 16);
    cs_milenage_f2345(k, opc, rand, out->xres, out->ck, out->ik, ak);
    xor_block(out->autn, sqn, ak, 6);
    memcpy(out->autn + 6, amf, 2);
    cs_milenage_f1(k, opc, rand, sqn, amf, out->autn + 8);
    cs_secure_zero(ak, sizeof ak);
}

void cs_aka_vector_wipe(cs_aka_vector *v)
{
    cs_secure_zero(v, sizeof *v);
}

/* TS 33.102 §6.3.3: MAC-S is computed with a dummy AMF of all zeros, so
 * the network need not know which AMF the card last saw. */
static const uint8_t resync_amf[2] = { 0x00, 0x00 };

void cs_aka_auts_make(const uint8_t k[16], const uint8_t opc[16],
                      const uint8_t rand[16], const uint8_t sqn_ms[6],
                      uint8_t auts[14])
{
    uint8_t ak_star[6];
    cs_milenage_f5star(k, opc, rand, ak_star);
    xor_block(auts, sqn_ms, ak_star, 6);
    cs_milenage_f1star(k, opc, rand, sqn_ms, resync_amf, auts + 6);
    cs_secure_zero(ak_star, sizeof ak_star);
}

bool cs_aka_auts_recover(const uint8_t k[16], const uint8_t opc[16],
                         const uint8_t rand[16], const uint8_t auts[14],
                         uint8_t sqn_ms[6])
{
    uint8_t ak_star[6], xmac_s[8];
    cs_milenage_f5star(k, opc, rand, ak_star);
    xor_block(sqn_ms, auts, ak_star, 6);
    cs_milenage_f1star(k, opc, rand, sqn_ms, resync_amf, xmac_s);
    bool ok = cs_ct_equal(xmac_s, auts + 6, 8);
    if (!ok)
        memset(sqn_ms, 0, 6);
    cs_secure_zero(ak_star, sizeof ak_star);
    cs_secure_zero(xmac_s, sizeof xmac_s);
    return ok;
}

/* ---- Sequence numbers ------------------------------------------------ */

uint64_t cs_aka_sqn_to_u64(const uint8_t sqn[6])
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | sqn[i];
    return v;
}

void cs_aka_sqn_from_u64(uint64_t value, uint8_t sqn[6])
{
    for (int i = 5; i >= 0; i--) {
        sqn[i] = (uint8_t)(value & 0xff);
        value >>= 8;
    }
}

uint64_t cs_aka_sqn_next(uint64_t sqn, unsigned ind)
{
    uint64_t seq = ((sqn & CS_AKA_SQN_MAX) >> CS_AKA_IND_BITS) + 1;
    return ((seq & CS_AKA_SEQ_MAX) << CS_AKA_IND_BITS) |
           (ind % CS_AKA_IND_COUNT);
}
