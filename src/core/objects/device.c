/*
 * device.c - Device object (ID 3, version 1.2).
 */
#include "object_defs.h"

static const cs_resource_def resources[] = {
    RES(0, "Manufacturer", STRING, OP_R, SINGLE, OPTIONAL),
    RES(1, "Model Number", STRING, OP_R, SINGLE, OPTIONAL),
    RES(2, "Serial Number", STRING, OP_R, SINGLE, OPTIONAL),
    RES(3, "Firmware Version", STRING, OP_R, SINGLE, OPTIONAL),
    RES_EXEC(4, "Reboot", MANDATORY),
    RES_EXEC(5, "Factory Reset", OPTIONAL),
    RES_RANGE(6, "Available Power Sources", INTEGER, OP_R, MULTIPLE, OPTIONAL, 0, 7),
    RES(7, "Power Source Voltage", INTEGER, OP_R, MULTIPLE, OPTIONAL),
    RES(8, "Power Source Current", INTEGER, OP_R, MULTIPLE, OPTIONAL),
    RES_RANGE(9, "Battery Level", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 100),
    RES(10, "Memory Free", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES_RANGE(11, "Error Code", INTEGER, OP_R, MULTIPLE, MANDATORY, 0, 32),
    RES_EXEC(12, "Reset Error Code", OPTIONAL),
    RES(13, "Current Time", TIME, OP_RW, SINGLE, OPTIONAL),
    RES(14, "UTC Offset", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(15, "Timezone", STRING, OP_RW, SINGLE, OPTIONAL),
    RES(16, "Supported Binding and Modes", STRING, OP_R, SINGLE, MANDATORY),
    RES(17, "Device Type", STRING, OP_R, SINGLE, OPTIONAL),
    RES(18, "Hardware Version", STRING, OP_R, SINGLE, OPTIONAL),
    RES(19, "Software Version", STRING, OP_R, SINGLE, OPTIONAL),
    RES_RANGE(20, "Battery Status", INTEGER, OP_R, SINGLE, OPTIONAL, 0, 6),
    RES(21, "Memory Total", INTEGER, OP_R, SINGLE, OPTIONAL),
    RES(22, "ExtDevInfo", OBJLNK, OP_R, MULTIPLE, OPTIONAL),
};

OBJECT_DEF(cs_object_device, 3, "Device", "1.2", SINGLE, MANDATORY, resources);
