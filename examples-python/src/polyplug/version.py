"""The SDK's name and version as reported in ``DescribeResponse.sdk``."""

SDK_NAME = "polyplug-python"
SDK_VERSION = "0.1.0"
