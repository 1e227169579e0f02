/*
 * access_control.c - LwM2M Access Control object (ID 2, version 1.1).
 *
 * From the OMA registry file 2.xml (OMA-SUP-XML_2-V1_1-20201110-A).
 * Resources 0 and 1 name the object instance an ACL instance governs; the
 * ACL resource is indexed by Short Server ID and holds a bit set of rights
 * (R, W, E, D, C = bits 0..4, hence 0..31).  Owner 65535 (MAX_ID) means
 * "managed in bootstrap only", so the registry allows 0..65535 there.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES_RANGE(0, "Object ID", INTEGER, OP_R, SINGLE, MANDATORY, 1, 65534),
    RES_RANGE(1, "Object Instance ID", INTEGER, OP_R, SINGLE, MANDATORY, 0, 65535),
    RES_RANGE(2, "ACL", INTEGER, OP_RW, MULTIPLE, OPTIONAL, 0, 31),
    RES_RANGE(3, "Access Control Owner", INTEGER, OP_RW, SINGLE, MANDATORY, 0, 65535),
};

OBJECT_DEF(cs_object_access_control, 2, "LwM2M Access Control", "1.1",
           MULTIPLE, OPTIONAL, resources);
