/*
 * connectivity_monitoring.c - Connectivity Monitoring object (ID 4,
 * version 1.3).
 *
 * From the OMA registry file 4.xml (OMA-SUP-XML_4-V1_3-20221209-A).
 * Network Bearer values: 0..20 cellular (6 LTE-FDD, 7 NB-IoT ...),
 * 21..40 wireless, 41..50 wireline.  Signal strength is in dBm and
 * negative, hence Integer without a range.
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES_RANGE(0, "Network Bearer", INTEGER, OP_R, SINGLE, MANDATORY, 0, 50),
    RES_RANGE(1, "Available Network Bearer", INTEGER, OP_R, MULTIPLE, MANDATORY, 0, 50),
    RES(2, "Radio Signal Strength", INTEGER, OP_R, SINGLE, MANDATORY),
    RES(3, "Link Quality", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(4, "IP Addresses", STRING, OP_R, MULTIPLE, MANDATORY),
    RES(5, "Router IP Addresses", STRING, OP_R, MULTIPLE, OPTIONAL),
    RES_RANGE(6, "Link Utilization", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 100),
    RES(7, "APN", STRING, OP_R, MULTIPLE, OPTIONAL),
    RES(8, "Cell ID", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES_RANGE(9, "SMNC", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 999),
    RES_RANGE(10, "SMCC", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 999),
    RES(11, "SignalSNR", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(12, "LAC", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES_RANGE(13, "Coverage Enhancement Level", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 4),
};

OBJECT_DEF(cs_object_connectivity_monitoring, 4, "Connectivity Monitoring",
           "1.3", SINGLE, OPTIONAL, resources);
